/**
 * {@code lethe serve}: an OpenAI-compatible inference server with continuous batching, a job service that runs
 * unlearning (and, through {@link dev.lethe.serve.jobs.JobKind}, other model-changing) jobs in the background, a
 * versioned model registry with promotion gates and rollback, and a hash-chained audit trail in a JDBC database.
 * {@link dev.lethe.serve.LetheServer#start} is the entry point; nothing here uses global state.
 */
package dev.lethe.serve;
