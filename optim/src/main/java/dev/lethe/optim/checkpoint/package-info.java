/** Minimal safetensors reading/writing and atomic (temp file, fsync, rename) checkpoint files. */
package dev.lethe.optim.checkpoint;
