package dev.lethe.unlearn.edit;

import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knowledge editing of any model Lethe loads: ROME (each request in turn, one layer), MEMIT (all requests at once,
 * spread over several layers) and K-Edit (MEMIT on the requests plus the contextual edits {@link KEdit} derives from a
 * knowledge graph). The input model is left untouched; {@link #edit} returns an edited copy and every edit applied.
 */
public final class Editor {
    private static final Logger LOG = LoggerFactory.getLogger(Editor.class);

    /** One applied edit: the request (contextual ones carry their graph path in origin), layers, and how well the
     * optimised value reached the target (mean target NLL after the value optimisation). */
    public record AppliedEdit(EditRequest request, String method, int[] layers, double targetNll, int valueSteps) {
    }

    /** The edited model, the edits applied, and wall times (statistics pass, edits). */
    public record Result(CausalLM model, List<AppliedEdit> edits, double statsSeconds, double editSeconds) {
    }

    private final Tokenizer tokenizer;
    private final List<String> statsCorpus;
    private final SecondMoments moments;
    private final KnowledgeGraph graph;

    /**
     * @param statsCorpus texts for the second-moment statistics
     * @param moments     where statistics are computed and cached
     * @param graph       the knowledge graph for K-Edit (null for ROME and MEMIT)
     */
    public Editor(Tokenizer tokenizer, List<String> statsCorpus, SecondMoments moments, KnowledgeGraph graph) {
        this.tokenizer = tokenizer;
        this.statsCorpus = statsCorpus;
        this.moments = moments;
        this.graph = graph;
    }

    /**
     * Applies {@code requests}: ROME one at a time; MEMIT and K-Edit in batches of {@code s.batchSize()} (0 = one
     * batch), each batch on the model the previous ones edited, all with the statistics of the input model (as the
     * papers' sequential editing does). K-Edit derives each batch's contextual edits from the graph after every
     * request so far.
     */
    public Result edit(CausalLM model, List<EditRequest> requests, EditSettings s) {
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("no edit requests given");
        }
        int[] layers = s.layersFor(model.config().numLayers());
        if (s.method() == EditMethod.KEDIT && graph == null) {
            throw new IllegalArgumentException("K-Edit needs a knowledge graph: pass --kg FILE");
        }
        int size = s.method() == EditMethod.ROME || s.batchSize() == 0 ? requests.size() : s.batchSize();
        List<List<EditRequest>> batches = new ArrayList<>();
        KnowledgeGraph kg = graph;
        for (int from = 0; from < requests.size(); from += size) {
            List<EditRequest> batch = new ArrayList<>(requests.subList(from, Math.min(from + size, requests.size())));
            if (s.method() == EditMethod.KEDIT) {
                kg = kg.withEdits(batch);
                List<EditRequest> context = KEdit.contextualEdits(batch, kg, s);
                context.forEach(c -> LOG.info("K-Edit contextual edit '{}' -> {} ({})", c.text(), c.targetNew(),
                        c.origin()));
                batch.addAll(context);
            }
            batches.add(batch);
        }
        for (List<EditRequest> batch : batches) {
            for (EditRequest r : batch) {
                EditTokens.withTarget(tokenizer, "", r, r.targetNew());
            }
        }
        long t0 = System.nanoTime();
        Map<Integer, RealMatrix> c = moments.of(model, tokenizer, layers, statsCorpus, s.statsTexts(),
                s.statsMaxTokens());
        long t1 = System.nanoTime();
        CausalLM edited = model.copy();
        List<AppliedEdit> applied = new ArrayList<>();
        for (List<EditRequest> batch : batches) {
            applied.addAll(s.method() == EditMethod.ROME ? rome(edited, batch, layers[0], c.get(layers[0]), s)
                    : memit(edited, batch, layers, c, s));
        }
        long t2 = System.nanoTime();
        return new Result(edited, applied, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }

    private List<AppliedEdit> rome(CausalLM model, List<EditRequest> requests, int layer, RealMatrix c,
            EditSettings s) {
        List<AppliedEdit> out = new ArrayList<>();
        for (EditRequest r : requests) {
            RealVector key = MlpProbe.mean(model, tokenizer, r, layer, s.prefixes()).key();
            TargetValue.Result v = TargetValue.optimise(model, tokenizer, r, layer, false, s.clampFor(), s);
            RealVector residual = v.target().subtract(MlpMatrix.output(model, layer, key));
            MlpMatrix.add(model, layer, Rome.update(c, key, residual, layer));
            out.add(new AppliedEdit(r, "rome", new int[] {layer}, v.finalNll(), v.steps()));
        }
        return out;
    }

    private List<AppliedEdit> memit(CausalLM model, List<EditRequest> requests, int[] layers,
            Map<Integer, RealMatrix> c, EditSettings s) {
        int last = layers[layers.length - 1];
        int n = requests.size();
        List<TargetValue.Result> values = new ArrayList<>();
        for (EditRequest r : requests) {
            values.add(TargetValue.optimise(model, tokenizer, r, last, true, s.clampFor(), s));
        }
        for (int i = 0; i < layers.length; i++) {
            int l = layers[i];
            RealMatrix keys = null;
            RealMatrix residuals = null;
            for (int j = 0; j < n; j++) {
                RealVector k = MlpProbe.mean(model, tokenizer, requests.get(j), l, s.prefixes()).key();
                RealVector h = MlpProbe.mean(model, tokenizer, requests.get(j), last, s.prefixes()).layerOut();
                if (keys == null) {
                    keys = new Array2DRowRealMatrix(k.getDimension(), n);
                    residuals = new Array2DRowRealMatrix(h.getDimension(), n);
                }
                keys.setColumnVector(j, k);
                // the part of z − h still missing at the last layer, spread over the layers left (MEMIT eq. 20)
                residuals.setColumnVector(j, values.get(j).target().subtract(h).mapDivide(layers.length - i));
            }
            MlpMatrix.add(model, l, Memit.update(c.get(l), keys, residuals, s.momentWeightFor(keys.getRowDimension()), l));
        }
        List<AppliedEdit> out = new ArrayList<>();
        String method = s.method() == EditMethod.KEDIT ? "kedit" : "memit";
        for (int j = 0; j < n; j++) {
            out.add(new AppliedEdit(requests.get(j), method, layers.clone(), values.get(j).finalNll(),
                    values.get(j).steps()));
        }
        return out;
    }
}
