/**
 * Lethe unlearn module (see ../shared/docs/design.md for what it owns): objectives, recipes, data, training jobs.
 *
 * <h2>From a recipe to a gradient, one step</h2>
 * <ol>
 * <li>{@link dev.lethe.unlearn.job.UnlearnJob#run}: the settings (the recipe's defaults over
 * {@link dev.lethe.unlearn.recipe.Recipes#COMMON}, then the user's) go to
 * {@link dev.lethe.unlearn.recipe.Recipe#plan}, which returns a {@link dev.lethe.unlearn.recipe.Plan}: objectives by
 * name ("forget", "retain"), the {@code optim} update rule that combines their gradients, and the trainable regex.
 * The records are encoded with a {@link dev.lethe.transformer.tokenizer.PromptTemplate} and handed to
 * {@link dev.lethe.unlearn.job.TrainingRun#run}.</li>
 * <li>{@code TrainingRun}: freezes every parameter outside the trainable regex, pairs the sets into
 * {@link dev.lethe.unlearn.job.StepBatches} (one padded {@link dev.lethe.unlearn.data.Batch} per name; the optim
 * {@link dev.lethe.optim.train.MicroBatch}), and builds a {@link dev.lethe.optim.train.Trainer} with AdamW, the
 * schedule and {@code TrainingRun.oracle}: per micro-batch, a {@link dev.lethe.optim.rule.TapeOracle} whose
 * {@link dev.lethe.optim.rule.TapeOracle.TapeLoss}es are the plan's objectives bound to that micro-batch.</li>
 * <li>{@code Trainer.oneStep}: asks the rule for a direction, {@code rule.direction(oracle, ctx)}. The rule evaluates
 * objectives by name ({@code oracle.evaluate("forget")}), possibly at perturbed parameters (SAM, smoothing, penalty
 * wrappers), and combines the gradients ({@link dev.lethe.optim.rule.WeightedSum}: the sum of w_i g_i; Bilevel,
 * PrimalDual: their papers' rules). The direction is clipped and AdamW steps; {@code rule.afterStep} runs; metrics and
 * the checkpoint are written.</li>
 * <li>{@code TapeOracle.evaluate}: records the loss on a fresh {@link dev.lethe.engine.Tape}, runs
 * {@code tape.backward(loss)} and copies the trainable tensors' gradients.</li>
 * <li>The loss itself is {@link dev.lethe.unlearn.objective.Objective#loss} on a
 * {@link dev.lethe.unlearn.objective.LossContext} (tape, model, frozen reference, the step's batches): e.g.
 * {@link dev.lethe.unlearn.objective.Npo} scores the forget batch with the model and the reference
 * ({@code ctx.scores}, {@code ctx.referenceScores}) and writes its paper's equation with engine ops.</li>
 * <li>When training ends, {@code rule.finish(params)} (weight averaging puts the average in place) and every
 * parameter is unfrozen.</li>
 * </ol>
 * docs/methods.md lists, per recipe, the paper, the equation and the class that implements it.
 */
package dev.lethe.unlearn;
