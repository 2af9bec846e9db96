ALTER TABLE "runs" DROP CONSTRAINT "runs_flow_id_flows_id_fk";
--> statement-breakpoint
ALTER TABLE "steps" DROP CONSTRAINT "steps_run_id_runs_id_fk";
