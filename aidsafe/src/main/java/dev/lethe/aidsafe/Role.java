package dev.lethe.aidsafe;

/** The agent roles of the pipeline; each has its own model name, temperature and seed ({@link dev.lethe.aidsafe.agent.RoleSettings}). */
public enum Role {
    /** Stage 1: explicit and implicit intents of the query. */
    INTENTS,
    /** Stage 2: the initial chain of thought from the query and intents. */
    INITIAL,
    /** Stage 3: the deliberation agents (agent i's seed is the role seed + i). */
    DELIBERATOR,
    /** Stage 4: the refiner. */
    REFINER,
    /** The response written from a chain of thought (refined or belief-augmented). */
    RESPONDER,
    /** Belief augmentation: the chain of thought under an injected false belief (the rejected side of a DPO pair). */
    BELIEF
}
