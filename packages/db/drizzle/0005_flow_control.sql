ALTER TABLE "runs" ADD COLUMN "partition_key" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "throttle_key" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "debounce_key" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "key_error" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "admission" text;--> statement-breakpoint
CREATE INDEX "runs_admission_idx" ON "runs" USING btree ("flow_id","admission","partition_key","id") WHERE "runs"."admission" is not null and "runs"."status" in ('queued', 'running', 'waiting');--> statement-breakpoint
CREATE INDEX "runs_partition_key_idx" ON "runs" USING btree ("partition_key","id") WHERE "runs"."partition_key" is not null;--> statement-breakpoint
CREATE INDEX "runs_throttle_idx" ON "runs" USING btree ("flow_id","throttle_key","started_at") WHERE "runs"."throttle_key" is not null;--> statement-breakpoint
CREATE INDEX "runs_debounce_idx" ON "runs" USING btree ("flow_id","debounce_key","id") WHERE "runs"."debounce_key" is not null and "runs"."status" = 'queued';