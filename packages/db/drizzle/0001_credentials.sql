CREATE TABLE "credentials" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"key_id" text NOT NULL,
	"data" text NOT NULL,
	"fields" jsonb NOT NULL,
	"allowed_hosts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "credentials_name_key" ON "credentials" USING btree ("name");--> statement-breakpoint
CREATE INDEX "credentials_key_id_idx" ON "credentials" USING btree ("key_id");