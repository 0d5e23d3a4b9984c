package dev.lethe.serve.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.lethe.serve.http.ApiError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * The JSON schema of an inference request body ({@code schema/chat-completions.json}, {@code schema/completions.json}
 * on the classpath: types, ranges, enums and shapes of every field Lethe reads), checked with networknt's
 * json-schema-validator before a request is read. The first violation becomes a 400 {@code invalid_value} naming the
 * top-level field. What a schema cannot know stays in code: the served model's name, its context length and
 * vocabulary, and the decoding options' own rules ({@code Decoding.fromOptions}).
 */
public final class RequestSchema {
    private final JsonSchema schema;

    private RequestSchema(JsonSchema schema) {
        this.schema = schema;
    }

    /** The schema of a classpath resource, e.g. "/schema/completions.json". */
    public static RequestSchema load(String resource) {
        try (InputStream in = RequestSchema.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the request schema " + resource + " is missing from the classpath");
            }
            return new RequestSchema(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in));
        } catch (IOException e) {
            throw new UncheckedIOException(resource + ": " + e.getMessage(), e);
        }
    }

    /** Throws the first violation of {@code body} as an {@link ApiError} (400). */
    public void check(JsonNode body) {
        Set<ValidationMessage> errors = schema.validate(body);
        if (errors.isEmpty()) {
            return;
        }
        ValidationMessage first = errors.iterator().next();
        String field = first.getInstanceLocation().getNameCount() > 0 ? first.getInstanceLocation().getName(0)
                : first.getProperty();
        throw ApiError.invalid(field, first.getMessage());
    }
}
