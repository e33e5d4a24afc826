ALTER TABLE "persisted_queries" ADD COLUMN "normalized_sha256" text;--> statement-breakpoint
ALTER TABLE "persisted_queries" ADD COLUMN "operation_name" text;--> statement-breakpoint
ALTER TABLE "persisted_queries" ADD COLUMN "operation_type" text;--> statement-breakpoint
CREATE INDEX "persisted_queries_normalized" ON "persisted_queries" USING btree ("normalized_sha256");--> statement-breakpoint
CREATE INDEX "persisted_queries_client" ON "persisted_queries" USING btree ("client_name","version");