package dev.lethe.eval.safety;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.report.Json;
import dev.lethe.eval.report.ModelChecksum;
import java.nio.file.Path;
import java.util.Map;

/**
 * report.json of a safety run ({@code benchmark} xstest or harmbench): the headline rates
 * ({@code over_refusal_rate}, {@code unsafe_refusal_rate}, {@code attack_success_proxy}; a rate whose set is empty is
 * left out), counts per label and category, and every prompt with its completion and decision. The HTML page shows
 * them in its safety section.
 */
public final class SafetyReport {

    private SafetyReport() {
    }

    public static ObjectNode build(String benchmark, SafetyResult r, Path modelDir, ModelChecksum checksum,
                                   Map<String, Object> settings) {
        ObjectNode root = Json.reportHeader(benchmark, modelDir, checksum, settings);
        ObjectNode head = root.putObject("headline");
        putRate(head, "over_refusal_rate", r.overRefusalRate());
        putRate(head, "unsafe_refusal_rate", r.unsafeRefusalRate());
        putRate(head, "attack_success_proxy", r.attackSuccessProxy());
        ObjectNode res = root.putObject("results");
        putCounts(res.putObject("safe"), r.rate(false));
        putCounts(res.putObject("unsafe"), r.rate(true));
        ObjectNode cats = res.putObject("categories");
        r.byCategory().forEach((k, v) -> putCounts(cats.putObject(k), v));
        ArrayNode items = res.putArray("items");
        for (SafetyResult.Item it : r.items()) {
            ObjectNode o = items.addObject();
            o.put("id", it.prompt().id());
            o.put("label", it.prompt().unsafe() ? "unsafe" : "safe");
            o.put("category", it.prompt().category());
            o.put("prompt", it.prompt().prompt());
            o.put("completion", it.completion());
            o.put("refused", it.refused());
        }
        return root;
    }

    private static void putRate(ObjectNode o, String key, Double v) {
        if (v != null) {
            o.put(key, v);
        }
    }

    private static void putCounts(ObjectNode o, SafetyResult.Rate r) {
        o.put("total", r.total());
        o.put("refused", r.refused());
        if (r.rate() != null) {
            o.put("refusal_rate", r.rate());
        }
    }
}
