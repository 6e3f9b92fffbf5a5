#!/usr/bin/env node
// A KServe v2 / Triton client written against the .proto alone, with the stock Node gRPC packages:
// if it can talk to framegate, so can other clients that were not written with framegate in mind.
//
// usage: node kserve-client.js HOST:PORT --model NAME --input NAME --shape N,C,H,W --data FILE
//                              [--max-values K]
// FILE holds the FP32 input as raw little-endian floats (sent as raw_input_contents). Calls
// ServerLive, ModelMetadata, ModelInfer and ModelStreamInfer (the same request, twice), then prints
// one JSON object: what each call returned, outputs as name, datatype, shape and their first K
// values (default 8; -1 for all).
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

function usage(message) {
  process.stderr.write(`kserve-client: ${message}\n`);
  process.stderr.write(
    'usage: node kserve-client.js HOST:PORT --model NAME --input NAME --shape N,C,H,W --data FILE' +
      ' [--max-values K]\n');
  process.exit(2);
}

function parseArgs(argv) {
  if (argv.length < 1 || argv[0].startsWith('--')) usage('the server address comes first');
  const args = { target: argv[0], maxValues: 8 };
  for (let i = 1; i < argv.length; i += 2) {
    const value = argv[i + 1];
    if (value === undefined) usage(`${argv[i]} needs a value`);
    switch (argv[i]) {
      case '--model': args.model = value; break;
      case '--input': args.input = value; break;
      case '--shape': args.shape = value.split(',').map(Number); break;
      case '--data': args.data = value; break;
      case '--max-values': args.maxValues = Number(value); break;
      default: usage(`unknown option ${argv[i]}`);
    }
  }
  for (const k of ['model', 'input', 'shape', 'data']) {
    if (args[k] === undefined) usage(`--${k} is required`);
  }
  if (args.shape.some((d) => !Number.isInteger(d) || d < 1)) usage('--shape must be positive integers');
  return args;
}

// The proto directory of the repository, whatever the current directory.
const PROTO_ROOT = path.resolve(__dirname, '../../proto/src/main/proto');

function loadService() {
  const definition = protoLoader.loadSync('inference/grpc_service.proto', {
    includeDirs: [PROTO_ROOT],
    keepCase: true, // field names exactly as in the .proto
    longs: Number,
    enums: String,
    defaults: true,
  });
  return grpc.loadPackageDefinition(definition).inference.GRPCInferenceService;
}

function unary(client, method, request) {
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + 60_000);
    client[method](request, { deadline }, (err, response) =>
      err ? reject(new Error(`${method}: ${err.code} ${err.details}`)) : resolve(response));
  });
}

// Output tensors of a ModelInferResponse, raw little-endian FP32 decoded.
function outputs(response, maxValues) {
  return response.outputs.map((o, i) => {
    let values;
    const raw = response.raw_output_contents[i];
    if (raw && raw.length > 0) {
      if (o.datatype !== 'FP32') throw new Error(`output ${o.name}: raw ${o.datatype} not handled`);
      values = [];
      for (let off = 0; off + 4 <= raw.length; off += 4) values.push(raw.readFloatLE(off));
    } else {
      values = (o.contents && o.contents.fp32_contents) || [];
    }
    return {
      name: o.name,
      datatype: o.datatype,
      shape: o.shape.map(Number),
      count: values.length,
      values: maxValues < 0 ? values : values.slice(0, maxValues),
    };
  });
}

function streamInfer(client, requests, maxValues) {
  return new Promise((resolve, reject) => {
    const results = [];
    const call = client.ModelStreamInfer({ deadline: new Date(Date.now() + 60_000) });
    call.on('data', (r) => {
      results.push(
        r.error_message
          ? { id: r.infer_response ? r.infer_response.id : '', error: r.error_message }
          : { id: r.infer_response.id, outputs: outputs(r.infer_response, maxValues) });
    });
    call.on('error', (err) => reject(new Error(`ModelStreamInfer: ${err.code} ${err.details}`)));
    call.on('end', () => resolve(results));
    for (const request of requests) call.write(request);
    call.end();
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const data = fs.readFileSync(args.data);
  const expectedBytes = 4 * args.shape.reduce((a, b) => a * b, 1);
  if (data.length !== expectedBytes) {
    usage(`${args.data} has ${data.length} bytes, shape ${args.shape} needs ${expectedBytes}`);
  }
  const Service = loadService();
  const client = new Service(args.target, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 << 20,
  });
  try {
    const live = await unary(client, 'ServerLive', {});
    const md = await unary(client, 'ModelMetadata', { name: args.model, version: '' });
    const request = (id) => ({
      model_name: args.model,
      id,
      inputs: [{ name: args.input, datatype: 'FP32', shape: args.shape }],
      raw_input_contents: [data],
    });
    const infer = await unary(client, 'ModelInfer', request('unary-1'));
    const stream = await streamInfer(client, [request('stream-1'), request('stream-2')], args.maxValues);
    const tensorInfo = (t) => ({ name: t.name, datatype: t.datatype, shape: t.shape.map(Number) });
    const summary = {
      live: live.live,
      metadata: {
        name: md.name,
        platform: md.platform,
        inputs: md.inputs.map(tensorInfo),
        outputs: md.outputs.map(tensorInfo),
      },
      infer: { id: infer.id, model_name: infer.model_name, outputs: outputs(infer, args.maxValues) },
      stream,
    };
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  } finally {
    client.close();
  }
}

main().catch((err) => {
  process.stderr.write(`kserve-client: ${err.message}\n`);
  process.exit(1);
});
