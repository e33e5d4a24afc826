CREATE TABLE "catalog_images" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"datacenter_id" uuid NOT NULL,
	"cloud_image_id" text NOT NULL,
	"cloud_name" text NOT NULL,
	"cloud_os_type" text,
	"display_name" text,
	"display_os_type" text,
	"shared" boolean DEFAULT false NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"missing_since" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "catalog_images" ADD CONSTRAINT "catalog_images_datacenter_id_datacenters_id_fk" FOREIGN KEY ("datacenter_id") REFERENCES "public"."datacenters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "catalog_images_dc_image" ON "catalog_images" USING btree ("datacenter_id","cloud_image_id");