-- Every change to a roll leaves an event for live watchers, written by the
-- database in the same statement: a check-in is one INSERT.
CREATE TRIGGER attendance_recorded AFTER INSERT ON attendance
BEGIN
    INSERT INTO session_events (session_id, student_id, kind, created_at)
    VALUES (NEW.session_id, NEW.student_id, 'record', NEW.updated_at);
END;

CREATE TRIGGER attendance_changed AFTER UPDATE ON attendance
BEGIN
    INSERT INTO session_events (session_id, student_id, kind, created_at)
    VALUES (NEW.session_id, NEW.student_id, 'record', NEW.updated_at);
END;
