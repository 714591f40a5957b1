-- Every change to a roll leaves an event for live watchers, written by the
-- database in the same statement: a check-in is one INSERT.
-- (With binary logging on, creating triggers needs SUPER or
-- log_bin_trust_function_creators=1 for the migrating user.)
CREATE TRIGGER attendance_recorded AFTER INSERT ON attendance FOR EACH ROW
    INSERT INTO session_events (session_id, student_id, kind, created_at)
    VALUES (NEW.session_id, NEW.student_id, 'record', NEW.updated_at);

CREATE TRIGGER attendance_changed AFTER UPDATE ON attendance FOR EACH ROW
    INSERT INTO session_events (session_id, student_id, kind, created_at)
    VALUES (NEW.session_id, NEW.student_id, 'record', NEW.updated_at);
