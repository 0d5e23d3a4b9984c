-- Lethe serve: model versions, jobs, API keys and the hash-chained audit trail.
CREATE TABLE audit_log (
    seq       BIGINT        NOT NULL PRIMARY KEY,
    at_time   VARCHAR(40)   NOT NULL,
    actor     VARCHAR(200)  NOT NULL,
    action    VARCHAR(100)  NOT NULL,
    subject   VARCHAR(200)  NOT NULL,
    details   VARCHAR(1000000) NOT NULL,
    prev_hash VARCHAR(64)   NOT NULL,
    hash      VARCHAR(64)   NOT NULL
);

CREATE TABLE api_keys (
    id        VARCHAR(40)   NOT NULL PRIMARY KEY,
    key_hash  VARCHAR(64)   NOT NULL UNIQUE,
    scope     VARCHAR(20)   NOT NULL,
    label     VARCHAR(200)  NOT NULL,
    created   VARCHAR(40)   NOT NULL,
    revoked   BOOLEAN       NOT NULL DEFAULT FALSE
);

CREATE TABLE model_versions (
    version   INT           NOT NULL PRIMARY KEY,
    path      VARCHAR(2000) NOT NULL,
    sha256    VARCHAR(64)   NOT NULL,
    parent    INT,
    job_id    VARCHAR(40),
    created   VARCHAR(40)   NOT NULL
);

CREATE TABLE served_model (
    id        INT           NOT NULL PRIMARY KEY,
    version   INT           NOT NULL
);

CREATE TABLE jobs (
    id            VARCHAR(40)   NOT NULL PRIMARY KEY,
    kind          VARCHAR(40)   NOT NULL,
    state         VARCHAR(20)   NOT NULL,
    spec          VARCHAR(1000000) NOT NULL,
    actor         VARCHAR(200)  NOT NULL,
    base_version  INT           NOT NULL,
    result_version INT,
    progress      DOUBLE PRECISION NOT NULL DEFAULT 0,
    metrics       VARCHAR(1000000),
    error         VARCHAR(10000),
    created       VARCHAR(40)   NOT NULL,
    updated       VARCHAR(40)   NOT NULL
);
