ALTER TABLE "attempts" DROP CONSTRAINT "attempts_run_id_runs_id_fk";
--> statement-breakpoint
ALTER TABLE "deliveries" DROP CONSTRAINT "deliveries_recipient_id_recipients_id_fk";
--> statement-breakpoint
ALTER TABLE "deliveries" DROP COLUMN "recipient_id";--> statement-breakpoint
DROP INDEX "deliveries_run_email_key";