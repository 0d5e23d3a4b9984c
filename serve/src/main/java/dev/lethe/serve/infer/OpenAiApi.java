package dev.lethe.serve.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.serve.http.ApiError;
import dev.lethe.serve.http.Exchange;
import dev.lethe.transformer.generate.Decoding;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.LogitsProcessor;
import dev.lethe.transformer.model.CausalLM;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The OpenAI-compatible inference endpoints: {@code POST /v1/chat/completions}, {@code POST /v1/completions} (both
 * with and without {@code stream}) and {@code GET /v1/models}. A request is validated against its JSON schema
 * ({@link RequestSchema}; an {@link ApiError} names the field), then against the served model (name, context length,
 * vocabulary, decoding options), its prompt rendered (chat template) and tokenized, and a {@link Completion} is
 * queued on the {@link BatchScheduler}; the handler thread then writes the tokens as they come, as SSE chunks or one
 * JSON body. A failed write of a chunk (the client went away) cancels the sequence. Decoding options: max_tokens
 * (or max_completion_tokens), temperature (0 = greedy), top_p, seed, stop, n (up to 16 choices, choice i sampled with
 * seed + i), logprobs and top_logprobs (of the raw logits), the vLLM-style extensions top_k and ignore_eos, and the
 * decoding method of the generation chain ({@code decoding}: greedy, sample, cd, apd, with {@link Decoding}'s options
 * alpha, amateur_temperature, cd_top_k, apd_top_p, apd_top_k, apd_temperature) over the server's {@link SecondModels}.
 */
public final class OpenAiApi {
    private static final RequestSchema CHAT_SCHEMA = RequestSchema.load("/schema/chat-completions.json");
    private static final RequestSchema COMPLETIONS_SCHEMA = RequestSchema.load("/schema/completions.json");

    private final BatchScheduler scheduler;
    private final ObjectMapper json;
    private final long timeoutNanos;
    private final int defaultMaxTokens;
    private final SecondModels second;

    public OpenAiApi(BatchScheduler scheduler, ObjectMapper json, long timeoutNanos, int defaultMaxTokens,
            SecondModels second) {
        this.scheduler = scheduler;
        this.json = json;
        this.timeoutNanos = timeoutNanos;
        this.defaultMaxTokens = defaultMaxTokens;
        this.second = second;
    }

    /** GET /v1/models. */
    public void models(Exchange ex) throws IOException {
        ServedModel m = scheduler.model();
        ObjectNode root = json.createObjectNode();
        root.put("object", "list");
        ObjectNode e = root.putArray("data").addObject();
        e.put("id", m.id());
        e.put("object", "model");
        e.put("created", 0);
        e.put("owned_by", "lethe");
        e.put("version", m.version());
        ex.send(200, root);
    }

    /** POST /v1/chat/completions. */
    public void chat(Exchange ex) throws IOException {
        JsonNode req = ex.jsonBody();
        CHAT_SCHEMA.check(req);
        ServedModel m = model(req);
        List<Map<String, Object>> messages = new ArrayList<>();
        for (JsonNode msg : req.get("messages")) {
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("role", msg.get("role").asText());
            mm.put("content", content(msg.path("content")));
            messages.add(mm);
        }
        ChatTemplate.Prompt p;
        try {
            p = m.template().render(messages);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid("messages", e.getMessage());
        }
        int[] ids = m.tokenizer().encode(p.text(), p.addSpecialTokens());
        run(ex, req, m, ids, true);
    }

    /** POST /v1/completions. */
    public void completions(Exchange ex) throws IOException {
        JsonNode req = ex.jsonBody();
        COMPLETIONS_SCHEMA.check(req);
        ServedModel m = model(req);
        JsonNode prompt = req.path("prompt");
        if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            prompt = prompt.get(0);
        }
        int[] ids;
        if (prompt.isTextual()) {
            ids = m.tokenizer().encode(prompt.asText(), true);
        } else {
            ids = new int[prompt.size()];
            int vocab = m.model().config().vocabSize();
            for (int i = 0; i < ids.length; i++) {
                ids[i] = prompt.get(i).asInt();
                if (ids[i] >= vocab) {
                    throw ApiError.invalid("prompt", "prompt[" + i + "] must be a token id in [0, " + vocab + ")");
                }
            }
        }
        run(ex, req, m, ids, false);
    }

    private ServedModel model(JsonNode req) {
        ServedModel m = scheduler.model();
        JsonNode model = req.get("model");
        if (!model.asText().equals(m.id())) {
            throw new ApiError(404, "invalid_request_error", "model_not_found", "model",
                    "the model '" + model.asText() + "' does not exist; this server serves '" + m.id() + "'");
        }
        return m;
    }

    /** A message's content (the schema allows a string, text parts or null) as one string. */
    private static String content(JsonNode c) {
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            c.forEach(part -> sb.append(part.get("text").asText()));
            return sb.toString();
        }
        return c.isTextual() ? c.asText() : "";
    }

    /** Decoding options of a request as the generation chain's config (without request-scoped processors). */
    GenerationConfig decoding(JsonNode req, int promptTokens, int context) {
        int room = context - promptTokens;
        if (room < 1) {
            throw new ApiError(400, "invalid_request_error", "context_length_exceeded", "messages",
                    "the prompt has " + promptTokens + " tokens; this model's context is " + context
                            + " tokens, so it must have at most " + (context - 1));
        }
        JsonNode mt = req.has("max_completion_tokens") ? req.get("max_completion_tokens") : req.path("max_tokens");
        int maxTokens;
        if (mt.isMissingNode() || mt.isNull()) {
            maxTokens = Math.min(defaultMaxTokens, room);
        } else {
            if (mt.asLong() > room) {
                throw new ApiError(400, "invalid_request_error", "context_length_exceeded", "max_tokens",
                        "the prompt (" + promptTokens + " tokens) plus max_tokens (" + mt.asLong() + ") exceeds the"
                                + " model's context of " + context + " tokens; lower max_tokens to <= " + room);
            }
            maxTokens = mt.asInt();
        }
        double temperature = req.path("temperature").asDouble(1.0);
        double topP = req.path("top_p").asDouble(1.0);
        int topK = req.path("top_k").asInt(0);
        long seed = req.path("seed").asLong(0);
        GenerationConfig cfg = temperature == 0 ? GenerationConfig.greedy(maxTokens)
                : GenerationConfig.sampling(maxTokens, temperature, topK, topP, seed);
        if (flag(req, "ignore_eos")) {
            cfg = cfg.withEosIds();
        }
        JsonNode stop = req.path("stop");
        if (stop.isTextual()) {
            cfg = cfg.withStopStrings(stop.asText());
        } else if (stop.isArray()) {
            List<String> stops = new ArrayList<>();
            stop.forEach(x -> stops.add(x.asText()));
            cfg = cfg.withStopStrings(stops.toArray(new String[0]));
        }
        return cfg;
    }

    /** A boolean field (the schema checked its type); false when absent or null. */
    private static boolean flag(JsonNode req, String field) {
        return req.path(field).asBoolean(false);
    }

    /**
     * The request's decoding method ({@code decoding}: greedy, sample, cd or apd, with {@link Decoding#fromOptions}'s
     * options); greedy and sample must agree with the temperature (0 = greedy).
     */
    static Decoding method(JsonNode req, boolean sampled) {
        Map<String, Object> options = new LinkedHashMap<>();
        for (var it = req.fields(); it.hasNext(); ) {
            var e = it.next();
            String k = e.getKey();
            if (Decoding.OPTION_NAMES.contains(k) || k.startsWith("cd_") || k.startsWith("apd_")) {
                if (!e.getValue().isNull()) {
                    options.put(k, e.getValue().asText());
                }
            }
        }
        Decoding d;
        try {
            d = Decoding.fromOptions(options);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid("decoding", e.getMessage());
        }
        if (options.containsKey("decoding") && d.method() == Decoding.Method.GREEDY && sampled
                || d.method() == Decoding.Method.SAMPLE && !sampled) {
            throw ApiError.invalid("decoding", "decoding '" + options.get("decoding") + "' contradicts the temperature:"
                    + " greedy needs temperature 0, sample a temperature > 0");
        }
        return d;
    }

    /** The request's n (choices; the schema bounds it to [1, 16]), 1 when absent. */
    static int choices(JsonNode req) {
        return req.path("n").asInt(1);
    }

    /** Choice {@code i}'s config: its own seed (the request's seed + i) and fresh processors of {@code method}. */
    private static GenerationConfig forChoice(GenerationConfig c, int i, Decoding method, ServedModel m,
            CausalLM secondModel) {
        List<LogitsProcessor> processors = new ArrayList<>(c.processors());
        processors.addAll(List.of(method.processors(m.model(), secondModel)));
        return new GenerationConfig(c.maxNewTokens(), c.sample(), c.temperature(), c.topK(), c.topP(), c.seed() + i,
                c.eosIds(), c.stopStrings(), c.padId(), processors, c.keepLogits());
    }

    /** One event from the scheduler thread to the handler thread, about choice {@code choice}. */
    private record Event(int choice, int token, String delta, TokenLogprobs logprobs, Completion.Finish finish,
                         String text, int completionTokens, RuntimeException error) {
    }

    private void run(Exchange ex, JsonNode req, ServedModel m, int[] ids, boolean chat) throws IOException {
        GenerationConfig cfg = decoding(req, ids.length, m.contextLength());
        Decoding method = method(req, cfg.sample());
        CausalLM secondModel = second.forDecoding(method);
        int n = choices(req);
        boolean stream = flag(req, "stream");
        int top = topLogprobs(req, chat);
        boolean logprobs = chat ? flag(req, "logprobs") : req.path("logprobs").isInt();
        boolean usageInStream = req.path("stream_options").path("include_usage").asBoolean(false);
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        long deadline = System.nanoTime() + timeoutNanos;
        List<Completion> submitted = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Completion c = new Completion(ids, forChoice(cfg, i, method, m, secondModel), logprobs, top, deadline,
                        listener(i, events));
                scheduler.submit(c);
                submitted.add(c);
            }
        } catch (BatchScheduler.QueueFullException e) {
            submitted.forEach(Completion::cancel);
            throw new ApiError(429, "rate_limit_error", "queue_full", null, e.getMessage());
        } catch (IllegalArgumentException e) {
            submitted.forEach(Completion::cancel);
            throw ApiError.invalid("decoding", e.getMessage());
        }
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        Response r = new Response(id, created, m.id(), chat, m, n);
        try {
            if (stream) {
                ex.startEvents();
                if (chat) {
                    for (int i = 0; i < n; i++) {
                        ex.event(json.writeValueAsString(r.chunk(i, json.createObjectNode().put("role", "assistant")
                                .put("content", ""), null, null)));
                    }
                }
            }
            int completionTokens = 0;
            for (int done = 0; done < n; ) {
                Event e = events.poll(deadline - System.nanoTime() + 5_000_000_000L, TimeUnit.NANOSECONDS);
                if (e == null) {
                    throw new ApiError(504, "timeout", "timeout", null, "the request timed out");
                }
                if (e.error() != null) {
                    throw new ApiError(500, "server_error", "generation_failed", null, "generation failed: "
                            + e.error().getMessage());
                }
                Response.Choice ch = r.choices.get(e.choice());
                if (e.finish() == null) {
                    ch.add(e);
                    if (stream && (!e.delta().isEmpty() || logprobs)) {
                        ex.event(json.writeValueAsString(chat
                                ? r.chunk(e.choice(), json.createObjectNode().put("content", e.delta()), null,
                                        ch.lastLogprobs())
                                : r.textChunk(e.choice(), e.delta(), null, ch.lastLogprobs())));
                    }
                    continue;
                }
                if (e.finish() == Completion.Finish.TIMEOUT) {
                    throw new ApiError(504, "timeout", "timeout", null, "the request did not finish within the"
                            + " server's request timeout of " + timeoutNanos / 1_000_000_000L + " s");
                }
                if (e.finish() == Completion.Finish.CANCELLED) {
                    throw new ApiError(503, "server_error", "cancelled", null, "the request was cancelled (the server"
                            + " is shutting down)");
                }
                ch.text = e.text();
                ch.reason = e.finish() == Completion.Finish.LENGTH ? "length" : "stop";
                completionTokens += e.completionTokens();
                done++;
                if (stream) {
                    String tail = ch.tail(e.text());
                    ex.event(json.writeValueAsString(chat
                            ? r.chunk(e.choice(), json.createObjectNode().put("content", tail), ch.reason, null)
                            : r.textChunk(e.choice(), tail, ch.reason, null)));
                }
            }
            ObjectNode usage = json.createObjectNode();
            usage.put("prompt_tokens", ids.length);
            usage.put("completion_tokens", completionTokens);
            usage.put("total_tokens", ids.length + completionTokens);
            if (stream) {
                if (usageInStream) {
                    ObjectNode u = r.header("chat.completion.chunk");
                    if (!chat) {
                        u.put("object", "text_completion");
                    }
                    u.putArray("choices");
                    u.set("usage", usage);
                    ex.event(json.writeValueAsString(u));
                }
                ex.event("[DONE]");
                ex.close();
            } else {
                ex.send(200, r.whole(usage, logprobs));
            }
        } catch (IOException e) {
            submitted.forEach(Completion::cancel); // the client went away: free its batch slots at the next step
            throw e;
        } catch (InterruptedException e) {
            submitted.forEach(Completion::cancel);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ApiError e) {
            submitted.forEach(Completion::cancel);
            if (ex.streaming()) {
                ex.event(json.writeValueAsString(e.body(json)));
                ex.close();
                return;
            }
            throw e;
        }
    }

    private static Completion.Listener listener(int choice, BlockingQueue<Event> events) {
        return new Completion.Listener() {
            @Override
            public void token(int id, String delta, TokenLogprobs lp) {
                events.add(new Event(choice, id, delta, lp, null, null, 0, null));
            }

            @Override
            public void finished(Completion.Finish finish, String text, int promptTokens, int completionTokens) {
                events.add(new Event(choice, -1, null, null, finish, text, completionTokens, null));
            }

            @Override
            public void failed(RuntimeException error) {
                events.add(new Event(choice, -1, null, null, null, null, 0, error));
            }
        };
    }

    /** How many alternatives each token's logprobs list: chat's top_logprobs (needs logprobs), completions' logprobs. */
    private static int topLogprobs(JsonNode req, boolean chat) {
        JsonNode t = req.path(chat ? "top_logprobs" : "logprobs");
        if (t.asInt(0) == 0) {
            return 0;
        }
        if (chat && !flag(req, "logprobs")) {
            throw ApiError.invalid("top_logprobs", "top_logprobs needs \"logprobs\": true");
        }
        return t.asInt();
    }

    /** Builds the response objects of one request and remembers what was streamed, per choice. */
    private final class Response {
        final String id;
        final long created;
        final String model;
        final boolean chat;
        final ServedModel served;
        final List<Choice> choices = new ArrayList<>();

        Response(String id, long created, String model, boolean chat, ServedModel served, int n) {
            this.id = id;
            this.created = created;
            this.model = model;
            this.chat = chat;
            this.served = served;
            for (int i = 0; i < n; i++) {
                choices.add(new Choice());
            }
        }

        /** One choice's tokens, logprobs and streamed text. */
        final class Choice {
            final StringBuilder streamed = new StringBuilder();
            final List<Integer> tokens = new ArrayList<>();
            final List<TokenLogprobs> logprobs = new ArrayList<>();
            String text;
            String reason;

            void add(Event e) {
                streamed.append(e.delta());
                tokens.add(e.token());
                logprobs.add(e.logprobs());
            }

            /** What the final text adds to what was streamed (text held back for a possible stop string). */
            String tail(String whole) {
                return whole.startsWith(streamed.toString()) ? whole.substring(streamed.length()) : "";
            }

            JsonNode lastLogprobs() {
                if (logprobs.isEmpty() || logprobs.get(logprobs.size() - 1) == null) {
                    return null;
                }
                return logprobsNode(tokens.size() - 1, tokens.size());
            }

            JsonNode logprobsNode(int from, int to) {
                ObjectNode lp = json.createObjectNode();
                if (chat) {
                    ArrayNode content = lp.putArray("content");
                    for (int i = from; i < to; i++) {
                        ObjectNode t = content.addObject();
                        t.put("token", tokenText(tokens.get(i)));
                        t.put("logprob", logprobs.get(i).logprob());
                        ArrayNode alts = t.putArray("top_logprobs");
                        TokenLogprobs l = logprobs.get(i);
                        for (int k = 0; k < l.topIds().length; k++) {
                            alts.addObject().put("token", tokenText(l.topIds()[k])).put("logprob", l.topLogprobs()[k]);
                        }
                    }
                } else {
                    ArrayNode toks = lp.putArray("tokens");
                    ArrayNode vals = lp.putArray("token_logprobs");
                    boolean alternatives = from < to && logprobs.get(from).topIds().length > 0;
                    ArrayNode tops = alternatives ? lp.putArray("top_logprobs") : null;
                    if (!alternatives) {
                        lp.putNull("top_logprobs");
                    }
                    for (int i = from; i < to; i++) {
                        toks.add(tokenText(tokens.get(i)));
                        TokenLogprobs l = logprobs.get(i);
                        vals.add(l.logprob());
                        if (alternatives) {
                            ObjectNode alts = tops.addObject();
                            for (int k = 0; k < l.topIds().length; k++) {
                                alts.put(tokenText(l.topIds()[k]), l.topLogprobs()[k]);
                            }
                        }
                    }
                }
                return lp;
            }
        }

        String tokenText(int tok) {
            return served.tokenizer().idToToken(tok).orElse("");
        }

        ObjectNode header(String object) {
            ObjectNode o = json.createObjectNode();
            o.put("id", id);
            o.put("object", object);
            o.put("created", created);
            o.put("model", model);
            o.put("system_fingerprint", "lethe-v" + served.version());
            return o;
        }

        ObjectNode chunk(int index, ObjectNode delta, String finish, JsonNode lp) {
            ObjectNode o = header("chat.completion.chunk");
            ObjectNode ch = o.putArray("choices").addObject();
            ch.put("index", index);
            ch.set("delta", delta);
            ch.set("logprobs", lp);
            ch.put("finish_reason", finish);
            return o;
        }

        ObjectNode textChunk(int index, String text, String finish, JsonNode lp) {
            ObjectNode o = header("text_completion");
            ObjectNode ch = o.putArray("choices").addObject();
            ch.put("index", index);
            ch.put("text", text);
            ch.set("logprobs", lp);
            ch.put("finish_reason", finish);
            return o;
        }

        ObjectNode whole(ObjectNode usage, boolean withLogprobs) {
            ObjectNode o = header(chat ? "chat.completion" : "text_completion");
            ArrayNode arr = o.putArray("choices");
            for (int i = 0; i < choices.size(); i++) {
                Choice c = choices.get(i);
                ObjectNode ch = arr.addObject();
                ch.put("index", i);
                if (chat) {
                    ch.putObject("message").put("role", "assistant").put("content", c.text);
                } else {
                    ch.put("text", c.text);
                }
                ch.set("logprobs", withLogprobs ? c.logprobsNode(0, c.tokens.size()) : null);
                ch.put("finish_reason", c.reason);
            }
            o.set("usage", usage);
            return o;
        }
    }
}
