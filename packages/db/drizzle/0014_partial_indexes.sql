DROP INDEX "events_user_idx";--> statement-breakpoint
DROP INDEX "events_anonymous_idx";--> statement-breakpoint
DROP INDEX "events_name_idx";--> statement-breakpoint
DROP INDEX "runs_status_idx";--> statement-breakpoint
CREATE INDEX "events_user_idx" ON "events" USING btree ("user_id","received_at") WHERE "events"."user_id" is not null;--> statement-breakpoint
CREATE INDEX "events_anonymous_idx" ON "events" USING btree ("anonymous_id","received_at") WHERE "events"."anonymous_id" is not null;--> statement-breakpoint
CREATE INDEX "events_name_idx" ON "events" USING btree ("name","received_at") WHERE "events"."name" is not null;--> statement-breakpoint
CREATE INDEX "runs_status_idx" ON "runs" USING btree ("status") WHERE "runs"."status" <> 'succeeded';