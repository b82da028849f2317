-- Comments about the portal website itself (góp ý về cổng thông tin), sent by anyone.
-- Feedback on procedures and dossiers (phản ánh, kiến nghị) is the dossier module's.
CREATE TABLE portal_feedback (
    id @ID@,
    created_at TEXT NOT NULL,
    name TEXT,
    email TEXT,
    message TEXT NOT NULL,
    page TEXT,
    client_addr TEXT,
    request_id TEXT
);
