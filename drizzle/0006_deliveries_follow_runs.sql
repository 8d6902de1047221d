ALTER TABLE "deliveries" DROP CONSTRAINT "deliveries_run_id_runs_id_fk";
--> statement-breakpoint
-- A deleted run (a deleted mailing or user cascades to its runs) takes its deliveries with it, and
-- their attempts through attempts.delivery_id. One statement per deleting statement instead of a
-- foreign-key check per inserted delivery.
CREATE FUNCTION "delete_deliveries_of_deleted_runs"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "deliveries" WHERE "run_id" IN (SELECT "id" FROM "deleted_runs");
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "runs_delete_deliveries" AFTER DELETE ON "runs"
  REFERENCING OLD TABLE AS "deleted_runs"
  FOR EACH STATEMENT EXECUTE FUNCTION "delete_deliveries_of_deleted_runs"();
