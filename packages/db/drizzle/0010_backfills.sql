CREATE TABLE "backfills" (
	"id" uuid PRIMARY KEY NOT NULL,
	"flow_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"range_from" timestamp with time zone NOT NULL,
	"range_to" timestamp with time zone NOT NULL,
	"filter" jsonb,
	"status" text NOT NULL,
	"max_in_flight" integer NOT NULL,
	"total" integer NOT NULL,
	"scanned" integer DEFAULT 0 NOT NULL,
	"started" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"filter_errors" integer DEFAULT 0 NOT NULL,
	"cursor_at" timestamp with time zone,
	"cursor" uuid,
	"scan_ended_at" timestamp with time zone,
	"error" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "backfill_id" uuid;--> statement-breakpoint
ALTER TABLE "backfills" ADD CONSTRAINT "backfills_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "backfills_flow_idx" ON "backfills" USING btree ("flow_id","id");--> statement-breakpoint
CREATE INDEX "backfills_running_idx" ON "backfills" USING btree ("id") WHERE "backfills"."status" = 'running';--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_backfill_id_backfills_id_fk" FOREIGN KEY ("backfill_id") REFERENCES "public"."backfills"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "runs_backfill_event_idx" ON "runs" USING btree ("backfill_id","event_id") WHERE "runs"."backfill_id" is not null;