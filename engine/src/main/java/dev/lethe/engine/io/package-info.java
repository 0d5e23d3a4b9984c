/**
 * Checkpoint input and output: validated, memory-mapped safetensors reading ({@link
 * dev.lethe.engine.io.SafetensorsFile}, sharded {@link dev.lethe.engine.io.ShardedCheckpoint}, both behind
 * {@link dev.lethe.engine.io.CheckpointReader#open}), atomic and sharded writing ({@link
 * dev.lethe.engine.io.SafetensorsWriter}) and the refusal of pickle checkpoints ({@link
 * dev.lethe.engine.io.UnsafeCheckpoints}).
 */
package dev.lethe.engine.io;
