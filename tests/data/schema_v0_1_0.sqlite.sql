-- Frozen: the schema Xiaoer v0.1.0 (commit 953f945) created on SQLite with `Base.metadata.create_all`.
-- Dumped from that commit's own table declarations (a worktree of 953f945, SQLAlchemy's mock engine
-- printing the DDL create_all emits for this dialect). tests/test_migrations.py loads it to check that a
-- database made by the previous release upgrades with its rows intact. Never edit: add a new snapshot.

CREATE TABLE conv_turns (
	id INTEGER NOT NULL,
	chat_id VARCHAR(128) NOT NULL,
	user_id VARCHAR(128) NOT NULL,
	role VARCHAR(16) NOT NULL,
	text TEXT NOT NULL,
	skus JSON NOT NULL,
	at DATETIME NOT NULL,
	PRIMARY KEY (id)
);

CREATE INDEX ix_conv_turns_at ON conv_turns (at);

CREATE INDEX ix_conv_turns_chat_id ON conv_turns (chat_id);

CREATE INDEX ix_conv_turns_user_id ON conv_turns (user_id);

CREATE TABLE conv_chat_state (
	chat_id VARCHAR(128) NOT NULL,
	user_id VARCHAR(128) NOT NULL,
	data JSON NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (chat_id)
);

CREATE INDEX ix_conv_chat_state_user_id ON conv_chat_state (user_id);

CREATE TABLE conv_user_interests (
	user_id VARCHAR(128) NOT NULL,
	keyword VARCHAR(128) NOT NULL,
	score FLOAT NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (user_id, keyword)
);

CREATE TABLE handoffs (
	id VARCHAR(32) NOT NULL,
	chat_id VARCHAR(128) NOT NULL,
	user_id VARCHAR(128) NOT NULL,
	channel VARCHAR(32) NOT NULL,
	reason VARCHAR(64) NOT NULL,
	status VARCHAR(16) NOT NULL,
	user_name VARCHAR(256) NOT NULL,
	language VARCHAR(8) NOT NULL,
	summary TEXT NOT NULL,
	support_chat_id VARCHAR(128) NOT NULL,
	thread_id VARCHAR(64),
	card_message_id VARCHAR(64),
	agent_id VARCHAR(128),
	agent_name VARCHAR(256) NOT NULL,
	created_at FLOAT NOT NULL,
	claimed_at FLOAT,
	closed_at FLOAT,
	closed_by VARCHAR(128) NOT NULL,
	rating INTEGER,
	note_pending BOOLEAN NOT NULL,
	PRIMARY KEY (id)
);

CREATE INDEX ix_handoffs_status ON handoffs (status);

CREATE INDEX ix_handoffs_created_at ON handoffs (created_at);

CREATE INDEX ix_handoffs_chat_id ON handoffs (chat_id);

CREATE INDEX ix_handoffs_thread_id ON handoffs (thread_id);

CREATE TABLE insight_turns (
	id INTEGER NOT NULL,
	at DATETIME NOT NULL,
	channel VARCHAR(32) NOT NULL,
	user VARCHAR(32) NOT NULL,
	chat VARCHAR(32) NOT NULL,
	text TEXT NOT NULL,
	language VARCHAR(8) NOT NULL,
	intent VARCHAR(32) NOT NULL,
	keywords JSON NOT NULL,
	filters JSON NOT NULL,
	skus JSON NOT NULL,
	answered BOOLEAN NOT NULL,
	top_score FLOAT,
	PRIMARY KEY (id)
);

CREATE INDEX ix_insight_turns_chat ON insight_turns (chat);

CREATE INDEX ix_insight_turns_user ON insight_turns (user);

CREATE INDEX ix_insight_turns_at ON insight_turns (at);

CREATE TABLE insight_events (
	id INTEGER NOT NULL,
	at DATETIME NOT NULL,
	chat VARCHAR(32) NOT NULL,
	kind VARCHAR(16) NOT NULL,
	value VARCHAR(64) NOT NULL,
	PRIMARY KEY (id)
);

CREATE INDEX ix_insight_events_chat ON insight_events (chat);

CREATE INDEX ix_insight_events_at ON insight_events (at);

CREATE TABLE xiaoer_processed_updates (
	channel VARCHAR(32) NOT NULL,
	update_id BIGINT NOT NULL,
	chat_key VARCHAR(128),
	status VARCHAR(16) NOT NULL,
	owner VARCHAR(128) NOT NULL,
	claimed_at FLOAT NOT NULL,
	payload TEXT,
	PRIMARY KEY (channel, update_id)
);

CREATE INDEX ix_xiaoer_updates_chat ON xiaoer_processed_updates (channel, chat_key, status);

CREATE TABLE xiaoer_rate_hits (
	id INTEGER NOT NULL,
	"key" VARCHAR(128) NOT NULL,
	at FLOAT NOT NULL,
	PRIMARY KEY (id)
);

CREATE INDEX ix_xiaoer_rate_hits_key_at ON xiaoer_rate_hits ("key", at);

CREATE TABLE xiaoer_rate_warnings (
	"key" VARCHAR(128) NOT NULL,
	until FLOAT NOT NULL,
	PRIMARY KEY ("key")
);

CREATE TABLE handoff_messages (
	id INTEGER NOT NULL,
	handoff_id VARCHAR(32) NOT NULL,
	who VARCHAR(16) NOT NULL,
	author VARCHAR(256) NOT NULL,
	text TEXT NOT NULL,
	at FLOAT NOT NULL,
	attachment_kind VARCHAR(16) NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(handoff_id) REFERENCES handoffs (id) ON DELETE CASCADE
);

CREATE INDEX ix_handoff_messages_handoff_id ON handoff_messages (handoff_id);

CREATE TABLE handoff_links (
	chat_id VARCHAR(128) NOT NULL,
	message_id VARCHAR(64) NOT NULL,
	handoff_id VARCHAR(32) NOT NULL,
	PRIMARY KEY (chat_id, message_id),
	FOREIGN KEY(handoff_id) REFERENCES handoffs (id) ON DELETE CASCADE
);

CREATE INDEX ix_handoff_links_handoff_id ON handoff_links (handoff_id);
