CREATE TABLE IF NOT EXISTS records (
	kind    TEXT    NOT NULL,
	id      TEXT    NOT NULL,
	data    BLOB    NOT NULL,
	version INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	PRIMARY KEY (kind, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS blobs (
	key  TEXT PRIMARY KEY,
	data BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS queue (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	queue       TEXT    NOT NULL,
	payload     BLOB    NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	enqueued    INTEGER NOT NULL,
	not_before  INTEGER NOT NULL,
	lease       TEXT    NOT NULL DEFAULT '',
	lease_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS queue_due ON queue (queue, not_before);
