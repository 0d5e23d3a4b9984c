package dev.lethe.unlearn.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A recipe's resolved hyper-parameters: its defaults, overridden by a YAML/JSON recipe file and then by
 * {@code key=value} pairs (the CLI's {@code --set}). Unknown keys are refused with the list of known ones, and typed
 * getters name the key and the bad value, so a typo never silently runs the default.
 */
public final class Settings {
    private final LinkedHashMap<String, String> values;

    public Settings(Map<String, String> defaults) {
        this.values = new LinkedHashMap<>(defaults);
    }

    /** Applies key=value overrides; every key must already exist. */
    public Settings with(List<String> assignments) {
        Settings s = new Settings(values);
        for (String a : assignments) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set expects key=value, got '" + a + "'");
            }
            s.put(a.substring(0, eq).trim(), a.substring(eq + 1).trim());
        }
        return s;
    }

    public Settings with(Map<String, String> overrides) {
        Settings s = new Settings(values);
        overrides.forEach(s::put);
        return s;
    }

    private void put(String key, String value) {
        if (!values.containsKey(key)) {
            throw new IllegalArgumentException("unknown setting '" + key + "'; this recipe has " + values.keySet());
        }
        values.put(key, value);
    }

    /** Reads a YAML or JSON object of settings (a "recipe" field naming the recipe is allowed and returned). */
    public static Map<String, String> readFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such recipe file");
        }
        ObjectMapper m = file.toString().endsWith(".json") ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
        JsonNode root;
        try {
            root = m.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not a well-formed YAML/JSON recipe (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": a recipe file must be an object of setting: value pairs");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isValueNode()) {
                throw new IllegalArgumentException(file + ": setting '" + e.getKey() + "' must be a plain value");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    public String string(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("setting '" + key + "' is not defined for this recipe");
        }
        return v;
    }

    public double number(String key) {
        String v = string(key);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("setting '" + key + "' must be a number, got '" + v + "'");
        }
    }

    public int integer(String key) {
        double d = number(key);
        if (d != Math.rint(d)) {
            throw new IllegalArgumentException("setting '" + key + "' must be an integer, got '" + string(key) + "'");
        }
        return (int) d;
    }

    public boolean flag(String key) {
        String v = string(key);
        return switch (v.toLowerCase()) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("setting '" + key + "' must be true or false, got '" + v + "'");
        };
    }

    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(values);
    }
}
