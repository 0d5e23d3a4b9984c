// Runs the official `openai` npm client against a Lethe server and prints one JSON object with what it got.
// Usage: node openai-client.mjs BASE_URL MODEL API_KEY
import OpenAI from 'openai';

const [baseURL, model, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL: baseURL + '/v1', apiKey, maxRetries: 0, timeout: 60000 });
const messages = [{ role: 'user', content: 'Who is Basil Mahfouz Al-Kuwaiti?' }];
const out = {};

const models = await client.models.list();
out.models = models.data.map((m) => m.id);

const chat = await client.chat.completions.create({ model, messages, max_tokens: 20, temperature: 0 });
out.chat = { content: chat.choices[0].message.content, finish: chat.choices[0].finish_reason, usage: chat.usage };

const stream = await client.chat.completions.create({
  model, messages, max_tokens: 20, temperature: 0, stream: true, stream_options: { include_usage: true },
});
let streamed = '';
let chunks = 0;
let finish = null;
let usage = null;
for await (const chunk of stream) {
  chunks++;
  if (chunk.usage) usage = chunk.usage;
  for (const c of chunk.choices) {
    streamed += c.delta?.content ?? '';
    if (c.finish_reason) finish = c.finish_reason;
  }
}
out.stream = { content: streamed, chunks, finish, usage };

try {
  await client.chat.completions.create({ model: 'no-such-model', messages, max_tokens: 2 });
  out.unknownModel = 'no error';
} catch (e) {
  out.unknownModel = { status: e.status, code: e.code, type: e.type, name: e.constructor.name };
}
try {
  await client.chat.completions.create({ model, messages, max_tokens: -1 });
  out.negativeMaxTokens = 'no error';
} catch (e) {
  out.negativeMaxTokens = { status: e.status, code: e.code, param: e.param, name: e.constructor.name };
}
console.log(JSON.stringify(out));
