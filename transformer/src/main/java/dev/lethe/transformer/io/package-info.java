/**
 * Checkpoint input and output: validated, memory-mapped safetensors reading ({@link
 * dev.lethe.transformer.io.SafetensorsFile}, sharded {@link dev.lethe.transformer.io.ShardedCheckpoint}, both behind
 * {@link dev.lethe.transformer.io.CheckpointReader#open}), atomic and sharded writing ({@link
 * dev.lethe.transformer.io.SafetensorsWriter}) and the refusal of pickle checkpoints ({@link
 * dev.lethe.transformer.io.UnsafeCheckpoints}).
 */
package dev.lethe.transformer.io;
