/**
 * The store's schema as numbered migrations. Each runs in one transaction and bumps
 * `PRAGMA user_version`; a database with a higher version than the last migration here was
 * written by a newer vmkscope and is refused. Never edit a migration that has shipped: add one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: analyses and everything they found.
  `
  CREATE TABLE analyses (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    -- running: being written (or its writer died: see pid); complete; failed (with error)
    status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed')),
    pid INTEGER,
    host TEXT,
    tool_version TEXT NOT NULL,
    inputs TEXT NOT NULL,            -- JSON array of the capture paths as given
    fingerprint TEXT,                -- SHA-256 over capture hashes, inventory, policy, tool version
    inventory TEXT,                  -- JSON Inventory used (inferred or given)
    policy TEXT,                     -- JSON policy used
    summary TEXT,                    -- JSON {pass, fail, warn, info}
    packets INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    flow_count INTEGER NOT NULL DEFAULT 0,
    migration_count INTEGER NOT NULL DEFAULT 0,
    error TEXT
  ) STRICT;
  CREATE INDEX analyses_fingerprint ON analyses (fingerprint);

  CREATE TABLE captures (
    analysis_id INTEGER NOT NULL REFERENCES analyses (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT,
    format TEXT NOT NULL,
    compression TEXT NOT NULL,
    size INTEGER NOT NULL,
    packets INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    start TEXT,
    end TEXT,
    record TEXT NOT NULL,            -- JSON CaptureRecord
    PRIMARY KEY (analysis_id, idx)
  ) STRICT;

  CREATE TABLE vmks (
    analysis_id INTEGER NOT NULL REFERENCES analyses (id) ON DELETE CASCADE,
    host TEXT NOT NULL,
    device TEXT NOT NULL,
    ip TEXT NOT NULL,
    mac TEXT,
    vlan INTEGER,
    netstack TEXT NOT NULL,
    services TEXT NOT NULL,          -- JSON array
    PRIMARY KEY (analysis_id, host, device)
  ) STRICT;

  -- The columns the flow table filters and sorts by; the whole record lives in flow_records, so
  -- a scan that does not use an index reads ~150-byte rows, not multi-kilobyte JSON.
  CREATE TABLE flows (
    id INTEGER PRIMARY KEY,
    analysis_id INTEGER NOT NULL REFERENCES analyses (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,            -- the number in the flow id (f12 -> 12)
    capture_idx INTEGER NOT NULL,
    protocol TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    client_port INTEGER NOT NULL,
    client_host TEXT,
    client_vmk TEXT,
    server_ip TEXT NOT NULL,
    server_port INTEGER NOT NULL,
    server_host TEXT,
    server_vmk TEXT,
    class TEXT NOT NULL,
    packets INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    start TEXT NOT NULL,
    end TEXT NOT NULL,
    duration REAL NOT NULL,
    routed INTEGER,                  -- 1 routed, 0 not, NULL unknown
    gateway TEXT,
    verdict TEXT,                    -- worst status of the findings naming the flow
    UNIQUE (analysis_id, seq)
  ) STRICT;
  CREATE INDEX flows_bytes ON flows (analysis_id, bytes, seq);
  CREATE INDEX flows_packets ON flows (analysis_id, packets, seq);
  CREATE INDEX flows_start ON flows (analysis_id, start, seq);
  CREATE INDEX flows_duration ON flows (analysis_id, duration, seq);
  CREATE INDEX flows_class_bytes ON flows (analysis_id, class, bytes, seq);
  CREATE INDEX flows_verdict ON flows (analysis_id, verdict);

  -- JSON FlowRecord without its timeline (see buckets). A rowid table: records are larger than a
  -- page, and SQLite keeps WITHOUT ROWID for rows well under a twentieth of one.
  CREATE TABLE flow_records (
    flow_id INTEGER PRIMARY KEY REFERENCES flows (id) ON DELETE CASCADE,
    record TEXT NOT NULL
  ) STRICT;

  -- Both ends of every flow, for "either end is this IP / port / host / vmk" filters.
  CREATE TABLE flow_ends (
    analysis_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('c', 's')),
    ip TEXT NOT NULL,
    port INTEGER NOT NULL,
    host TEXT,
    vmk TEXT,
    PRIMARY KEY (analysis_id, seq, side),
    FOREIGN KEY (analysis_id, seq) REFERENCES flows (analysis_id, seq) ON DELETE CASCADE
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX flow_ends_ip ON flow_ends (analysis_id, ip);
  CREATE INDEX flow_ends_port ON flow_ends (analysis_id, port);
  CREATE INDEX flow_ends_host ON flow_ends (analysis_id, host, vmk);
  CREATE INDEX flow_ends_vmk ON flow_ends (analysis_id, vmk);

  -- Frame bytes per time bucket of each flow (the flow's timeline).
  CREATE TABLE buckets (
    analysis_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    t INTEGER NOT NULL,              -- bucket start, epoch seconds
    width INTEGER NOT NULL,          -- seconds
    c2s INTEGER NOT NULL,
    s2c INTEGER NOT NULL,
    PRIMARY KEY (analysis_id, seq, t),
    FOREIGN KEY (analysis_id, seq) REFERENCES flows (analysis_id, seq) ON DELETE CASCADE
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX buckets_time ON buckets (analysis_id, t);

  -- Summaries computed once when an analysis is written, so the topology and the timeline answer
  -- from a few thousand rows instead of grouping a million flows per request.
  CREATE TABLE matrix (
    analysis_id INTEGER NOT NULL REFERENCES analyses (id) ON DELETE CASCADE,
    client_host TEXT,
    client_vmk TEXT,
    client_ip TEXT NOT NULL,
    server_host TEXT,
    server_vmk TEXT,
    server_ip TEXT NOT NULL,
    class TEXT NOT NULL,
    flows INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    routed INTEGER,                  -- 1 any flow routed, 0 all shown not routed, NULL otherwise
    severity INTEGER NOT NULL        -- worst verdict: 4 fail, 3 warn, 2 pass, 1 info, 0 none
  ) STRICT;
  CREATE INDEX matrix_bytes ON matrix (analysis_id, bytes);

  -- Frame bytes per bucket start, summed per class and per vmk pair (series 'class' / 'vmkPair').
  CREATE TABLE series (
    analysis_id INTEGER NOT NULL REFERENCES analyses (id) ON DELETE CASCADE,
    grouping TEXT NOT NULL CHECK (grouping IN ('class', 'vmkPair')),
    key TEXT NOT NULL,
    t INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (analysis_id, grouping, t, key)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE migrations (
    analysis_id INTEGER NOT NULL REFERENCES analyses (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    source_host TEXT,
    dest_host TEXT,
    start TEXT NOT NULL,
    end TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    streams INTEGER NOT NULL,
    record TEXT NOT NULL,            -- JSON MigrationRecord
    PRIMARY KEY (analysis_id, id)
  ) STRICT;

  CREATE TABLE findings (
    analysis_id INTEGER NOT NULL REFERENCES analyses (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    ord INTEGER NOT NULL,
    rule TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    detail TEXT NOT NULL,
    flows TEXT NOT NULL,             -- JSON array of flow ids
    PRIMARY KEY (analysis_id, id)
  ) STRICT;

  CREATE TABLE evidence (
    analysis_id INTEGER NOT NULL,
    finding_id TEXT NOT NULL,
    ord INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    frames TEXT NOT NULL,            -- JSON array of frame numbers
    capture_idx INTEGER,
    PRIMARY KEY (analysis_id, finding_id, ord),
    FOREIGN KEY (analysis_id, finding_id) REFERENCES findings (analysis_id, id) ON DELETE CASCADE
  ) STRICT, WITHOUT ROWID;
  `,
];
