ALTER TABLE "steps" ADD COLUMN "input_refs" jsonb;--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "output_refs" jsonb;