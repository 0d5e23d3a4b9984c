/**
 * Update rules: how the gradients of named objectives become one step. {@link dev.lethe.optim.rule.GradientOracle}
 * evaluates objectives (at θ or a perturbed θ), {@link dev.lethe.optim.rule.UpdateRule} returns a direction; rules
 * compose by wrapping ({@code Sam.around(new Bilevel(1.0), 0.01, "forget")}). One short file per algorithm.
 */
package dev.lethe.optim.rule;
