/**
 * Text generation with the KV cache: {@link dev.lethe.transformer.generate.Generator} (greedy or seeded sampling,
 * left-padded batches, EOS and stop strings) and the {@link dev.lethe.transformer.generate.LogitsProcessor} chain
 * (temperature, top-k, top-p, contrastive decoding and APD, see {@link dev.lethe.transformer.generate.Decoding}).
 */
package dev.lethe.transformer.generate;
