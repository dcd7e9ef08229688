"""A LLaMA-architecture causal LM in plain PyTorch (RMSNorm, rotary positions, grouped-query attention, SwiGLU),
laid out so its ONNX export has the inputs and outputs transformers.js expects of a Hugging Face `llama`
decoder with a KV cache: input_ids, attention_mask, position_ids, past_key_values.{i}.key|value ->
logits, present.{i}.key|value."""
import json
import math
import os

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F


class Config:
    def __init__(self, vocab_size, hidden=128, layers=4, heads=4, kv_heads=2, intermediate=352, max_positions=256,
                 eos_id=0):
        self.vocab_size, self.hidden, self.layers = vocab_size, hidden, layers
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, hidden // heads
        self.intermediate, self.max_positions, self.eos_id = intermediate, max_positions, eos_id
        self.rope_theta, self.eps = 10000.0, 1e-5

    def hf_config(self):
        """config.json as transformers.js reads it (fp32 weights: the default wasm dtype would be q8)."""
        return {
            "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": self.vocab_size,
            "hidden_size": self.hidden, "intermediate_size": self.intermediate,
            "num_hidden_layers": self.layers, "num_attention_heads": self.heads,
            "num_key_value_heads": self.kv_heads, "head_dim": self.head_dim,
            "max_position_embeddings": self.max_positions, "rms_norm_eps": self.eps, "rope_theta": self.rope_theta,
            "hidden_act": "silu", "tie_word_embeddings": False, "attention_bias": False,
            "bos_token_id": self.eos_id, "eos_token_id": self.eos_id, "pad_token_id": self.eos_id,
            "torch_dtype": "float32", "use_cache": True, "transformers.js_config": {"dtype": "fp32"},
        }


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    return x * cos + torch.cat([-x[..., half:], x[..., :half]], dim=-1) * sin


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.q_proj = nn.Linear(c.hidden, c.heads * c.head_dim, bias=False)
        self.k_proj = nn.Linear(c.hidden, c.kv_heads * c.head_dim, bias=False)
        self.v_proj = nn.Linear(c.hidden, c.kv_heads * c.head_dim, bias=False)
        self.o_proj = nn.Linear(c.heads * c.head_dim, c.hidden, bias=False)

    def forward(self, x, cos, sin, bias, past_k, past_v):
        c = self.c
        b, t, _ = x.shape
        q = rotate(self.q_proj(x).view(b, t, c.heads, c.head_dim).transpose(1, 2), cos, sin)
        k = rotate(self.k_proj(x).view(b, t, c.kv_heads, c.head_dim).transpose(1, 2), cos, sin)
        v = self.v_proj(x).view(b, t, c.kv_heads, c.head_dim).transpose(1, 2)
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        group = c.heads // c.kv_heads
        s = k.shape[2]
        kk = k[:, :, None].expand(b, c.kv_heads, group, s, c.head_dim).reshape(b, c.heads, s, c.head_dim)
        vv = v[:, :, None].expand(b, c.kv_heads, group, s, c.head_dim).reshape(b, c.heads, s, c.head_dim)
        att = torch.softmax(q @ kk.transpose(-1, -2) / math.sqrt(c.head_dim) + bias, dim=-1)
        y = (att @ vv).transpose(1, 2).reshape(b, t, c.heads * c.head_dim)
        return self.o_proj(y), k, v


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden, c.eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden, c.eps)
        self.gate_proj = nn.Linear(c.hidden, c.intermediate, bias=False)
        self.up_proj = nn.Linear(c.hidden, c.intermediate, bias=False)
        self.down_proj = nn.Linear(c.intermediate, c.hidden, bias=False)

    def forward(self, x, cos, sin, bias, past_k, past_v):
        a, k, v = self.self_attn(self.input_layernorm(x), cos, sin, bias, past_k, past_v)
        x = x + a
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h)), k, v


class TinyLlama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden)
        self.layers = nn.ModuleList([Block(c) for _ in range(c.layers)])
        self.norm = RMSNorm(c.hidden, c.eps)
        self.lm_head = nn.Linear(c.hidden, c.vocab_size, bias=False)
        inv_freq = 1.0 / (c.rope_theta ** (torch.arange(0, c.head_dim, 2).float() / c.head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def empty_past(self, batch):
        c = self.c
        return [torch.zeros(batch, c.kv_heads, 0, c.head_dim) for _ in range(2 * c.layers)]

    def forward(self, input_ids, attention_mask, position_ids, *past):
        """past: past_key_values.{i}.key, .value for each layer, [batch, kv_heads, past_len, head_dim]."""
        _, t = input_ids.shape
        x = self.embed_tokens(input_ids)
        angles = position_ids.float()[:, :, None] * self.inv_freq[None, None, :]
        angles = torch.cat([angles, angles], dim=-1)[:, None]
        cos, sin = angles.cos(), angles.sin()
        total = attention_mask.shape[1]
        key_pos = torch.arange(total)
        query_pos = torch.arange(t) + (total - t)
        visible = (key_pos[None, :] <= query_pos[:, None])[None, None] & (attention_mask[:, None, None, :] > 0)
        bias = torch.where(visible, torch.zeros((), dtype=x.dtype), torch.full((), -1e9, dtype=x.dtype))
        presents = []
        for i, layer in enumerate(self.layers):
            x, k, v = layer(x, cos, sin, bias, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        return (self.lm_head(self.norm(x)), *presents)


def export_onnx(model, path):
    """Trace with batch 2, past 3, new 4 so no axis is specialised to 0 or 1; the batch axis must be named
    `batch_size` for transformers.js."""
    c = model.c
    past_names = [f"past_key_values.{i}.{kv}" for i in range(c.layers) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(c.layers) for kv in ("key", "value")]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    axes.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names})
    axes.update({n: {0: "batch_size", 2: "total_sequence_length"} for n in present_names})
    b, p, t = 2, 3, 4
    g = torch.Generator().manual_seed(1)
    dummy = (torch.randint(0, c.vocab_size, (b, t), generator=g), torch.ones(b, p + t, dtype=torch.long),
             torch.arange(p, p + t)[None].expand(b, t).contiguous(),
             *[torch.randn(b, c.kv_heads, p, c.head_dim, generator=g) for _ in past_names])
    torch.onnx.export(model, dummy, path, input_names=["input_ids", "attention_mask", "position_ids"] + past_names,
                      output_names=["logits"] + present_names, dynamic_axes=axes, opset_version=14,
                      do_constant_folding=True)
    name_weights(model, path)


def name_weights(model, path):
    """Names every weight of the exported graph after its parameter, so training code elsewhere (the app's
    in-page training) can find and rewrite them: constant folding stores each linear layer's weight transposed
    ([in, out]) under a generated name (`onnx::MatMul_991`); it becomes `{parameter}.T`. Matched by value: every
    such initializer equals exactly one parameter's transpose."""
    graph = onnx.load(path)
    by_bytes = {}
    for name, param in model.named_parameters():
        by_bytes[np.ascontiguousarray(param.detach().numpy().T).tobytes()] = f"{name}.T"
    params = dict(model.named_parameters())
    renames = {}
    for init in graph.graph.initializer:
        if init.name in params:
            continue
        target = by_bytes.get(init.raw_data)
        if target is None:
            raise RuntimeError(f"exported weight {init.name} matches no parameter")
        renames[init.name] = target
        init.name = target
    for node in graph.graph.node:
        node.input[:] = [renames.get(name, name) for name in node.input]
    missing = set(params) - {i.name for i in graph.graph.initializer} - {n[:-2] for n in renames.values()}
    if missing:
        raise RuntimeError(f"parameters missing from the export: {sorted(missing)}")
    onnx.save(graph, path)


def load_onnx_weights(model, path):
    """Loads the weights of a model exported by export_onnx (named by name_weights) into `model`."""
    graph = onnx.load(path)
    stored = {init.name: onnx.numpy_helper.to_array(init) for init in graph.graph.initializer}
    state = {}
    for name, param in model.named_parameters():
        if name in stored:
            value = stored[name]
        elif f"{name}.T" in stored:
            value = stored[f"{name}.T"].T
        else:
            raise RuntimeError(f"{path} has no weight for {name}")
        if tuple(value.shape) != tuple(param.shape):
            raise RuntimeError(f"{name}: {value.shape} in {path}, {tuple(param.shape)} in the model")
        state[name] = torch.from_numpy(np.ascontiguousarray(value))
    model.load_state_dict(state, strict=False)


def load_model_folder(folder, tok):
    """The model of a folder this project wrote (config.json, onnx/model.onnx), for `tok`'s vocabulary: a base to
    train on from."""
    with open(os.path.join(folder, "config.json")) as f:
        hf = json.load(f)
    cfg = Config(tok.vocab_size, hidden=hf["hidden_size"], layers=hf["num_hidden_layers"],
                 heads=hf["num_attention_heads"], kv_heads=hf["num_key_value_heads"],
                 intermediate=hf["intermediate_size"], eos_id=tok.eos_id)
    model = TinyLlama(cfg)
    load_onnx_weights(model, os.path.join(folder, "onnx", "model.onnx"))
    return cfg, model

