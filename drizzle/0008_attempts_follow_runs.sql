-- The per-row check of attempts.delivery_id cost a quarter of every batch write, and its index
-- served only that check (pages join attempts to deliveries by the deliveries' key).
ALTER TABLE "attempts" DROP CONSTRAINT "attempts_delivery_id_deliveries_id_fk";
--> statement-breakpoint
DROP INDEX "attempts_delivery_id_idx";--> statement-breakpoint
-- A deleted run's attempts went with its deliveries through the foreign key; the trigger of
-- migration 0006 now deletes both, by run, in one statement each.
CREATE OR REPLACE FUNCTION "delete_deliveries_of_deleted_runs"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "attempts" WHERE "run_id" IN (SELECT "id" FROM "deleted_runs");
  DELETE FROM "deliveries" WHERE "run_id" IN (SELECT "id" FROM "deleted_runs");
  RETURN NULL;
END
$$;
