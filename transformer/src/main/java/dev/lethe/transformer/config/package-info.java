/**
 * Hugging Face {@code config.json} (transformers 4 and 5 forms) normalised into an immutable {@link
 * dev.lethe.transformer.config.ModelConfig}, and rotary-embedding frequencies ({@link
 * dev.lethe.transformer.config.RopeFrequencies}).
 */
package dev.lethe.transformer.config;
