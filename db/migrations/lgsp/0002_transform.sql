-- Optional message transformation of a service: JSON text {request, response, headers}.
ALTER TABLE lgsp_service ADD COLUMN transform TEXT;
