/**
 * Andrej Karpathy's llama2.c model files: {@link dev.lethe.transformer.llama2c.Llama2cCheckpoint} reads the legacy
 * and version-1 float32 checkpoints into a Hugging Face-named {@link dev.lethe.transformer.model.CausalLM}; the
 * matching {@code tokenizer.bin} is converted by {@link dev.lethe.transformer.tokenizer.Llama2cTokenizerBin}.
 */
package dev.lethe.transformer.llama2c;
