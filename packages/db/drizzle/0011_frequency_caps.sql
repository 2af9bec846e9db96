CREATE TABLE "frequency_cap_sends" (
	"step_id" uuid PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"flow_id" uuid NOT NULL,
	"person" text NOT NULL,
	"channel" text NOT NULL,
	"sent_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "frequency_caps" (
	"id" uuid PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"limit" integer NOT NULL,
	"period_ms" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "frequency_cap_sends_person_idx" ON "frequency_cap_sends" USING btree ("person","channel","sent_at");--> statement-breakpoint
CREATE UNIQUE INDEX "frequency_caps_channel_period_key" ON "frequency_caps" USING btree ("channel","period_ms");