CREATE TABLE "entry_refusals" (
	"event_id" uuid NOT NULL,
	"flow_id" uuid NOT NULL,
	"person" text NOT NULL,
	"rule" text NOT NULL,
	"held_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "entry_refusals_event_id_flow_id_pk" PRIMARY KEY("event_id","flow_id")
);
--> statement-breakpoint
CREATE TABLE "journey_entries" (
	"flow_id" uuid NOT NULL,
	"person" text NOT NULL,
	"run_id" uuid NOT NULL,
	"entered_at" timestamp with time zone NOT NULL,
	"entries" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "journey_entries_flow_id_person_pk" PRIMARY KEY("flow_id","person")
);
--> statement-breakpoint
ALTER TABLE "entry_refusals" ADD CONSTRAINT "entry_refusals_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "entry_refusals" ADD CONSTRAINT "entry_refusals_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "journey_entries" ADD CONSTRAINT "journey_entries_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "entry_refusals_flow_idx" ON "entry_refusals" USING btree ("flow_id");