ALTER TABLE "runs" ADD COLUMN "parent_run_id" uuid;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "parent_step_id" uuid;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "depth" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "runs_parent_step_idx" ON "runs" USING btree ("parent_step_id") WHERE "runs"."parent_step_id" is not null;--> statement-breakpoint
CREATE INDEX "runs_parent_run_idx" ON "runs" USING btree ("parent_run_id") WHERE "runs"."parent_run_id" is not null;