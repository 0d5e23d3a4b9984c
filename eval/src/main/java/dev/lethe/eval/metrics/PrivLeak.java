package dev.lethe.eval.metrics;

/**
 * PrivLeak (MUSE, Shi et al. 2024, arXiv 2407.06460): relative gap between the forget-vs-holdout membership AUC of the
 * unlearned model and that of the retrained model, in percent. {@link #muse} is MUSE's own convention
 * ({@code (AUC - AUC_retrain) / AUC_retrain * 100} with forget labelled 0 and score {@code -Min40%}; reference AUCs News
 * 0.4772, Books 0.5393 in MUSE {@code constants.py}); {@link #openUnlearning} is open-unlearning's
 * {@code privacy.py::privleak}, whose AUC is 1 when the forget set looks member-like, so it flips both AUCs:
 * {@code ((1-AUC) - (1-AUC_ref)) / ((1-AUC_ref) + 1e-10) * 100}, with {@code AUC_ref} 0.5 by default.
 */
public final class PrivLeak {

    /** MUSE {@code AUC_RETRAIN} for the News corpus (forget_holdout_Min-40%). */
    public static final double MUSE_NEWS_RETRAIN_AUC = 0.4772;
    /** MUSE {@code AUC_RETRAIN} for the Books corpus (forget_holdout_Min-40%). */
    public static final double MUSE_BOOKS_RETRAIN_AUC = 0.5393;

    private PrivLeak() {
    }

    /** MUSE convention. */
    public static double muse(double aucUnlearned, double aucRetrain) {
        return (aucUnlearned - aucRetrain) / aucRetrain * 100;
    }

    /** open-unlearning convention. */
    public static double openUnlearning(double aucUnlearned, double aucReference) {
        double score = 1 - aucUnlearned;
        double ref = 1 - aucReference;
        return (score - ref) / (ref + 1e-10) * 100;
    }
}
