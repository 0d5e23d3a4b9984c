package dev.lethe.transformer.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Package-private typed access to the fields of one JSON object of a {@code config.json}, with errors that name the
 * file, the field and the fix. A field set to JSON {@code null} counts as absent unless asked otherwise.
 */
final class ConfigFields {
    final ObjectNode node;
    final String source;
    final String prefix;

    ConfigFields(ObjectNode node, String source) {
        this(node, source, "");
    }

    private ConfigFields(ObjectNode node, String source, String prefix) {
        this.node = node;
        this.source = source;
        this.prefix = prefix;
    }

    /** A nested object's fields ({@code rope_parameters}, {@code rope_scaling}), or null when absent or null. */
    ConfigFields object(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw wrongType(field, v, "an object", "{...}");
        }
        return new ConfigFields((ObjectNode) v, source, prefix + field + ".");
    }

    boolean has(String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    boolean hasExplicitNull(String field) {
        JsonNode v = node.get(field);
        return v != null && v.isNull();
    }

    ConfigFormatException error(String field, String problem, String fix) {
        return new ConfigFormatException(source + ": field '" + prefix + field + "' " + problem + "; " + fix);
    }

    private ConfigFormatException wrongType(String field, JsonNode v, String expected, String example) {
        return error(field, "must be " + expected + " but is " + show(v), "write it as " + expected + ", e.g. "
                + example + ".");
    }

    private static String show(JsonNode v) {
        String s = v.toString();
        if (s.length() > 40) {
            s = s.substring(0, 37) + "...";
        }
        return s + " (a " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    /** The first present field of the given names (aliases), or null. */
    String firstPresent(String... names) {
        for (String n : names) {
            if (has(n)) {
                return n;
            }
        }
        return null;
    }

    int requiredPositiveInt(String what, String... names) {
        String f = firstPresent(names);
        if (f == null) {
            throw new ConfigFormatException(source + ": required field '" + prefix + names[0] + "' (" + what
                    + ") is missing" + (names.length > 1 ? " (also looked for " + String.join(", ", List.of(names)
                    .subList(1, names.length)) + ")" : "") + "; add it to config.json, e.g. \"" + names[0]
                    + "\": 64.");
        }
        return positive(f, intValue(f));
    }

    int positiveInt(int def, String... names) {
        String f = firstPresent(names);
        return f == null ? def : positive(f, intValue(f));
    }

    private int positive(String field, int v) {
        if (v <= 0) {
            throw error(field, "must be > 0 but is " + v, "set it to a positive integer.");
        }
        return v;
    }

    Integer optionalInt(String field) {
        return has(field) ? intValue(field) : null;
    }

    int intValue(String field) {
        JsonNode v = node.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            if (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()) && Math.abs(v.asDouble()) < 1e9) {
                return (int) v.asDouble(); // 64.0 is accepted as 64
            }
            throw wrongType(field, v, "an integer", "64");
        }
        return v.intValue();
    }

    double number(double def, String... names) {
        String f = firstPresent(names);
        if (f == null) {
            return def;
        }
        return numberValue(f);
    }

    double requiredNumber(String field, String fix) {
        if (!has(field)) {
            throw new ConfigFormatException(source + ": required field '" + prefix + field + "' is missing; " + fix);
        }
        return numberValue(field);
    }

    double numberValue(String field) {
        JsonNode v = node.get(field);
        if (!v.isNumber()) {
            throw wrongType(field, v, "a number", "1e-05");
        }
        double d = v.asDouble();
        if (!Double.isFinite(d)) {
            throw error(field, "must be finite but is " + d, "use a finite number.");
        }
        return d;
    }

    boolean bool(boolean def, String field) {
        if (!has(field)) {
            return def;
        }
        JsonNode v = node.get(field);
        if (!v.isBoolean()) {
            throw wrongType(field, v, "a boolean", "true");
        }
        return v.booleanValue();
    }

    String string(String def, String... names) {
        String f = firstPresent(names);
        if (f == null) {
            return def;
        }
        JsonNode v = node.get(f);
        if (!v.isTextual()) {
            throw wrongType(f, v, "a string", "\"silu\"");
        }
        return v.textValue();
    }

    List<String> stringList(String field) {
        List<String> out = new ArrayList<>();
        if (!has(field)) {
            return out;
        }
        JsonNode v = node.get(field);
        if (!v.isArray()) {
            throw wrongType(field, v, "an array of strings", "[\"LlamaForCausalLM\"]");
        }
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw wrongType(field, v, "an array of strings", "[\"LlamaForCausalLM\"]");
            }
            out.add(e.textValue());
        }
        return out;
    }

    /** An int or a list of ints ({@code eos_token_id}); empty when absent or null. */
    List<Integer> intOrIntList(String field) {
        List<Integer> out = new ArrayList<>();
        if (!has(field)) {
            return out;
        }
        JsonNode v = node.get(field);
        if (v.isArray()) {
            for (JsonNode e : v) {
                if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                    throw wrongType(field, v, "an integer or a list of integers", "2 or [128001, 128009]");
                }
                out.add(e.intValue());
            }
            return out;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw wrongType(field, v, "an integer or a list of integers", "2 or [128001, 128009]");
        }
        out.add(v.intValue());
        return out;
    }
}
