CREATE TABLE "event_schemas" (
	"id" uuid PRIMARY KEY NOT NULL,
	"source_id" uuid NOT NULL,
	"event" text NOT NULL,
	"version" integer NOT NULL,
	"schema" jsonb,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "plan_violations" jsonb;--> statement-breakpoint
ALTER TABLE "sources" ADD COLUMN "plan_mode" text DEFAULT 'off' NOT NULL;--> statement-breakpoint
ALTER TABLE "sources" ADD COLUMN "unplanned_events" text DEFAULT 'allow' NOT NULL;--> statement-breakpoint
ALTER TABLE "sources" ADD COLUMN "plan_revision" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "event_schemas" ADD CONSTRAINT "event_schemas_source_id_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "event_schemas_source_event_version" ON "event_schemas" USING btree ("source_id","event","version");