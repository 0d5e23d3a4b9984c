/**
 * LoRA adapters (arXiv 2106.09685) on any linear layer of a {@link dev.lethe.transformer.model.CausalLM}, trained
 * through the low-rank product without forming W + BA, saved and loaded in Hugging Face PEFT's file layout.
 */
package dev.lethe.transformer.lora;
