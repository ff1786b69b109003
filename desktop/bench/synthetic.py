"""Full-size synthetic gpt-oss models: random weights in the exact gpt-oss-20b layout.

For measuring speed without downloading the real weights: 24 layers, 2880 wide, 64 query heads
and 8 key/value heads of 64, 32 experts with 4 used per token, MXFP4 experts, Q8_0 attention and
embeddings, a 201,088-token vocabulary with the harmony specials at their real ids (~11.27 GiB).
Every token costs the same work as in the real model; only the routing is more uniform than
trained routing, and the text is nonsense. `layers=` makes shallower variants for small machines.

Tensor bytes are drawn once into a pool of well-formed blocks (sane MXFP4 exponents and Q8_0
scales, random mantissas) and replayed, so a 12 GB file is written in seconds, not hours.
"""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np

N_EMBD = 2880
N_HEAD, N_HEAD_KV, HEAD_DIM = 64, 8, 64
N_EXPERT, N_EXPERT_USED = 32, 4
N_VOCAB = 201_088
CONTEXT, YARN_ORIG_CONTEXT, SLIDING_WINDOW = 131_072, 4_096, 128
# Harmony specials of o200k_harmony at their real ids; the rest of 199998.. are reserved tokens.
SPECIALS = {199998: "<|startoftext|>", 199999: "<|endoftext|>", 200002: "<|return|>",
            200003: "<|constrain|>", 200005: "<|channel|>", 200006: "<|start|>", 200007: "<|end|>",
            200008: "<|message|>", 200012: "<|call|>"}
FIRST_SPECIAL = 199_998
POOL_BYTES = 64 * 2**20

MXFP4 = gguf.GGMLQuantizationType.MXFP4
Q8_0 = gguf.GGMLQuantizationType.Q8_0


def _byte_chars() -> list[str]:
    """GPT-2's byte -> printable character map, which byte-level BPE vocabularies are written in."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAC + 1), *range(0xAE, 0xFF + 1)]
    table = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return [table[b] for b in range(256)]


def _vocabulary() -> tuple[list[str], list[int]]:
    tokens = _byte_chars()
    space = tokens[ord(" ")]
    tokens.append(space + "w")  # one merge: llama.cpp refuses a BPE vocabulary without any
    tokens += [f"{space}w{i}" for i in range(len(tokens), FIRST_SPECIAL)]  # " w1234": plain words
    types = [int(gguf.TokenType.NORMAL)] * len(tokens)
    for token_id in range(FIRST_SPECIAL, N_VOCAB):
        tokens.append(SPECIALS.get(token_id, f"<|reserved_{token_id}|>"))
        types.append(int(gguf.TokenType.CONTROL))
    return tokens, types


def _block_pool(kind: gguf.GGMLQuantizationType, rng: np.random.Generator) -> np.ndarray:
    block, size = gguf.GGML_QUANT_SIZES[kind]
    blocks = rng.integers(0, 256, size=(POOL_BYTES // size, size), dtype=np.uint8)
    if kind == MXFP4:
        blocks[:, 0] = rng.integers(118, 122, size=len(blocks))  # E8M0 scales ~2^-7: small weights
    else:  # Q8_0: an f16 scale, then 32 int8 values
        blocks[:, :2] = np.frombuffer(np.float16(0.002).tobytes(), np.uint8)
    return blocks.reshape(-1)


def write_synthetic_gpt_oss(path: Path | str, layers: int = 24, seed: int = 0) -> Path:
    path = Path(path)
    rng = np.random.default_rng(seed)
    pools = {kind: _block_pool(kind, rng) for kind in (MXFP4, Q8_0)}
    writer = gguf.GGUFWriter(str(path), "gpt-oss")
    writer.add_name(f"synthetic-gpt-oss-20b-{layers}L")
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_MXFP4_MOE)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    writer.add_block_count(layers)
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(N_EMBD)
    writer.add_feed_forward_length(N_EMBD)
    writer.add_expert_feed_forward_length(N_EMBD)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD_KV)
    writer.add_key_length(HEAD_DIM)
    writer.add_value_length(HEAD_DIM)
    writer.add_rope_freq_base(150000.0)
    writer.add_rope_scaling_type(gguf.RopeScalingType.YARN)
    writer.add_rope_scaling_factor(CONTEXT / YARN_ORIG_CONTEXT)
    writer.add_rope_scaling_orig_ctx_len(YARN_ORIG_CONTEXT)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_expert_count(N_EXPERT)
    writer.add_expert_used_count(N_EXPERT_USED)
    writer.add_sliding_window(SLIDING_WINDOW)
    tokens, types = _vocabulary()
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-4o")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges([f"{tokens[ord(' ')]} w"])
    writer.add_bos_token_id(199998)
    writer.add_eos_token_id(200002)
    writer.add_pad_token_id(199999)
    writer.add_add_bos_token(False)

    plan: list[tuple[str, tuple[int, ...], gguf.GGMLQuantizationType | None]] = []

    def tensor(name: str, shape: tuple[int, ...], kind: gguf.GGMLQuantizationType | None = None) -> None:
        plan.append((name, shape, kind))

    q_dim, kv_dim = N_HEAD * HEAD_DIM, N_HEAD_KV * HEAD_DIM
    tensor("token_embd.weight", (N_VOCAB, N_EMBD), Q8_0)
    tensor("output_norm.weight", (N_EMBD,))
    tensor("output.weight", (N_VOCAB, N_EMBD), Q8_0)
    for i in range(layers):
        p = f"blk.{i}."
        tensor(p + "attn_norm.weight", (N_EMBD,))
        tensor(p + "post_attention_norm.weight", (N_EMBD,))
        for name, rows in (("attn_q", q_dim), ("attn_k", kv_dim), ("attn_v", kv_dim)):
            tensor(p + name + ".weight", (rows, N_EMBD), Q8_0)
            tensor(p + name + ".bias", (rows,))
        tensor(p + "attn_output.weight", (N_EMBD, q_dim), Q8_0)
        tensor(p + "attn_output.bias", (N_EMBD,))
        tensor(p + "attn_sinks.weight", (N_HEAD,))
        tensor(p + "ffn_gate_inp.weight", (N_EXPERT, N_EMBD))
        tensor(p + "ffn_gate_inp.bias", (N_EXPERT,))
        for name in ("ffn_gate_exps", "ffn_up_exps", "ffn_down_exps"):
            tensor(p + name + ".weight", (N_EXPERT, N_EMBD, N_EMBD), MXFP4)
            tensor(p + name + ".bias", (N_EXPERT, N_EMBD))

    for name, shape, kind in plan:
        if kind is None:
            writer.add_tensor_info(name, shape, np.dtype(np.float32), 4 * int(np.prod(shape)))
        else:
            block, size = gguf.GGML_QUANT_SIZES[kind]
            byte_shape = (*shape[:-1], shape[-1] // block * size)
            writer.add_tensor_info(name, byte_shape, np.dtype(np.uint8), int(np.prod(byte_shape)), raw_dtype=kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for name, shape, kind in plan:
        if kind is None:
            scale = 1.0 if "norm" in name else 0.02
            data = (rng.standard_normal(shape) * scale).astype(np.float32)
            if "norm" in name:
                data = np.abs(data) + 0.5
        else:
            block, size = gguf.GGML_QUANT_SIZES[kind]
            nbytes = int(np.prod(shape[:-1])) * (shape[-1] // block) * size
            pool = pools[kind]
            start = int(rng.integers(0, len(pool) // size)) * size  # different bytes per tensor
            data = np.resize(np.roll(pool, -start), nbytes)
        writer.write_tensor_data(data)
    writer.close()
    return path
