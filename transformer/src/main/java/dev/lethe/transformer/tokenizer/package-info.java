/**
 * Tokenizers: the {@link dev.lethe.transformer.tokenizer.Tokenizer} interface, Hugging Face {@code tokenizer.json}
 * files run offline by the Rust {@code tokenizers} library through DJL ({@link
 * dev.lethe.transformer.tokenizer.HfTokenizer}), and converters from GPT-2's {@code encoder.json}+{@code vocab.bpe}
 * and llama2.c's {@code tokenizer.bin}; {@link dev.lethe.transformer.tokenizer.Tokenizers#load} picks the right one.
 */
package dev.lethe.transformer.tokenizer;
