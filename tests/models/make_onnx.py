#!/usr/bin/env python3
"""Writes the small ONNX graphs the tests read (tests/models/onnx_test.cpp), with Debian's
python3-onnx: each is checked by onnx.checker (except the one with a contrib operator), so the
files are what ONNX's own writer produces. Weights are seeded random, never used by the reader.

usage: make_onnx.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


def weight(name, shape, dtype=np.float32):
    if np.issubdtype(dtype, np.integer):
        data = rng.integers(-8, 8, size=shape).astype(dtype)
    else:
        data = rng.standard_normal(shape).astype(dtype)
    return numpy_helper.from_array(data, name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def save(model, path, check=True):
    if check:
        onnx.checker.check_model(model)
    onnx.save(model, path)


def block():
    """A transformer block, unfused: Q/K/V/O projections, 4 heads of 16 sharing one K/V head,
    QK^T and PV as batched MatMuls, a ReLU MLP; input [batch, sequence, 64]."""
    n = helper.make_node
    nodes = [
        n("MatMul", ["x", "wq"], ["q"], name="q_proj"),
        n("MatMul", ["x", "wk"], ["k"], name="k_proj"),
        n("MatMul", ["x", "wv"], ["v"], name="v_proj"),
        n("Reshape", ["q", "heads_q"], ["q4"]),
        n("Transpose", ["q4"], ["qh"], perm=[0, 2, 1, 3]),
        n("Reshape", ["k", "heads_kv"], ["k4"]),
        n("Transpose", ["k4"], ["kt"], perm=[0, 2, 3, 1]),
        n("Reshape", ["v", "heads_kv"], ["v4"]),
        n("Transpose", ["v4"], ["vh"], perm=[0, 2, 1, 3]),
        n("MatMul", ["qh", "kt"], ["scores"], name="scores"),
        n("Softmax", ["scores"], ["p"], axis=-1),
        n("MatMul", ["p", "vh"], ["ctx"], name="context"),
        n("Transpose", ["ctx"], ["ctx_t"], perm=[0, 2, 1, 3]),
        n("Reshape", ["ctx_t", "merge"], ["ctx2"]),
        n("MatMul", ["ctx2", "wo"], ["o"], name="o_proj"),
        n("Add", ["x", "o"], ["h"]),
        n("MatMul", ["h", "wup"], ["up"], name="up_proj"),
        n("Relu", ["up"], ["act"]),
        n("MatMul", ["act", "wdown"], ["down"], name="down_proj"),
        n("Add", ["h", "down"], ["y"]),
    ]
    inits = [weight("wq", (64, 64)), weight("wk", (64, 16)), weight("wv", (64, 16)), weight("wo", (64, 64)),
             weight("wup", (64, 128)), weight("wdown", (128, 64)),
             ints("heads_q", [0, 0, 4, 16]), ints("heads_kv", [0, 0, 1, 16]), ints("merge", [0, 0, 64])]
    g = helper.make_graph(nodes, "block", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "sequence", 64])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "sequence", 64])], inits)
    return helper.make_model(g, producer_name="xpubench-tests", opset_imports=[helper.make_opsetid("", 13)])


def cnn():
    """Convolutions of every kind conv2d maps, and one it does not; input [N, 3, 32, 32]."""
    n = helper.make_node
    nodes = [
        n("Conv", ["x", "w1"], ["c1"], name="stem", pads=[1, 1, 1, 1]),
        n("Relu", ["c1"], ["r1"]),
        n("Conv", ["r1", "w2"], ["c2"], name="down", strides=[2, 2], pads=[1, 1, 1, 1]),
        n("Conv", ["c2", "w3"], ["c3"], name="depthwise", group=32, pads=[1, 1, 1, 1]),
        n("Conv", ["c3", "w4"], ["c4"], name="pointwise"),
        n("Conv", ["c4", "w5"], ["c5"], name="same", auto_pad="SAME_UPPER"),
        n("Conv", ["c5", "w6"], ["c6"], name="asymmetric", pads=[0, 0, 1, 1]),
        n("Conv", ["c6", "w7"], ["c7"], name="same_lower", auto_pad="SAME_LOWER"),  # an even filter: the extra pad before
        n("GlobalAveragePool", ["c7"], ["pool"]),
        n("Flatten", ["pool"], ["flat"]),
        n("Gemm", ["flat", "fc", "fc_bias"], ["logits"], name="classifier", transB=1),
    ]
    inits = [weight("w1", (16, 3, 3, 3)), weight("w2", (32, 16, 3, 3)), weight("w3", (32, 1, 3, 3)), weight("w4", (64, 32, 1, 1)),
             weight("w5", (64, 64, 3, 3)), weight("w6", (64, 64, 2, 2)), weight("w7", (64, 64, 2, 2)),
             weight("fc", (10, 64)), weight("fc_bias", (10,))]
    g = helper.make_graph(nodes, "cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 32, 32])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], inits)
    return helper.make_model(g, producer_name="xpubench-tests", opset_imports=[helper.make_opsetid("", 13)])


def audio():
    """1-D convolutions as audio front ends write them (stride, padding and dilation along time), and a
    3-D one conv2d does not measure; input [1, 40, 100]."""
    n = helper.make_node
    nodes = [
        n("Conv", ["x", "w1"], ["c1"], name="frontend", pads=[1, 1]),
        n("Conv", ["c1", "w2"], ["c2"], name="downsample", strides=[2], pads=[2, 2]),
        n("Conv", ["c2", "w3"], ["c3a"], name="dilated", dilations=[2], pads=[2, 2]),
        n("Conv", ["c3a", "w5"], ["c3"], name="same_upper", strides=[2], auto_pad="SAME_UPPER"),  # pads 0, 1: 25 wide
        n("Unsqueeze", ["c3", "axis"], ["c4"]),
        n("Unsqueeze", ["c4", "axis"], ["c5"]),
        n("Conv", ["c5", "w4"], ["y"], name="volume"),
    ]
    inits = [weight("w1", (64, 40, 3)), weight("w2", (64, 64, 5)), weight("w3", (32, 64, 3)), weight("w4", (8, 32, 1, 1, 3)),
             weight("w5", (32, 32, 3)),
             numpy_helper.from_array(np.array([2], np.int64), "axis")]
    g = helper.make_graph(nodes, "audio", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 40, 100])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 1, 1, 23])], inits)
    return helper.make_model(g, producer_name="xpubench-tests", opset_imports=[helper.make_opsetid("", 13)])


def norms(axis=1):
    """LayerNormalization (opset 17) over the last axis and over the last two; input [2, 8, 64]. With an
    axis outside the input's rank, a graph no runtime accepts."""
    n = helper.make_node
    nodes = [
        n("LayerNormalization", ["x", "g64", "b64"], ["n1"], name="ln_last"),
        n("MatMul", ["n1", "w"], ["h"], name="proj"),
        n("LayerNormalization", ["h", "g256", "b256"], ["y"], name="ln_two", axis=axis),
    ]
    inits = [weight("g64", (64,)), weight("b64", (64,)), weight("w", (64, 32)), weight("g256", (8, 32)), weight("b256", (8, 32))]
    g = helper.make_graph(nodes, "norms", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 8, 64])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 8, 32])], inits)
    return helper.make_model(g, producer_name="xpubench-tests", opset_imports=[helper.make_opsetid("", 17)])


def quantized():
    """fp16 weights in a Gemm, int8 ones in a MatMulInteger, and a contrib operator the reader
    cannot map; input [batch, 32]."""
    n = helper.make_node
    nodes = [
        n("Gemm", ["x", "w16"], ["y16"], name="half"),
        n("MatMulInteger", ["xq", "w8"], ["y8"], name="integer"),
        n("FusedMatMul", ["y16", "y16"], ["fused"], name="contrib", domain="com.microsoft"),
    ]
    inits = [weight("w16", (32, 48), np.float16), weight("w8", (32, 24), np.int8)]
    g = helper.make_graph(nodes, "quantized",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT16, ["batch", 32]),
                           helper.make_tensor_value_info("xq", TensorProto.UINT8, ["batch", 32])],
                          [helper.make_tensor_value_info("y8", TensorProto.INT32, ["batch", 24]),
                           helper.make_tensor_value_info("fused", TensorProto.FLOAT16, None)], inits)
    return helper.make_model(g, producer_name="xpubench-tests",
                             opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)])


def no_product():
    n = helper.make_node
    g = helper.make_graph([n("Relu", ["x"], ["y"])], "relu", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 4])])
    return helper.make_model(g, producer_name="xpubench-tests", opset_imports=[helper.make_opsetid("", 13)])


def hostile():
    """Graphs that must be refused or mapped with a note, never crash the reader: a zero stride (libonnx's
    Conv inference divides by it), a node without outputs, a name that would break out of a TOML
    comment, batch dimensions that do not broadcast. Not checker-valid on purpose."""
    n = helper.make_node
    x = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])]
    stride0 = helper.make_graph([n("Conv", ["x", "w"], ["y"], name="zero", strides=[0, 0])], "stride0", x,
                                [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [weight("w", (4, 3, 3, 3))])
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 4, 8])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [3, 8, 5])
    odd = helper.make_graph([
        n("MatMul", ["a", "w8"], ["p"], name="evil\n[[gemm]]\nshapes = [{ m = 7, n = 7, k = 7 }]"),
        n("MatMul", ["a", "b"], ["q"], name="mismatch"),
    ], "odd", [a, b], [helper.make_tensor_value_info("p", TensorProto.FLOAT, None)], [weight("w8", (8, 6))])
    no_output = helper.make_graph([n("MatMul", ["a", "w8"], [], name="")], "no_output", [a], [], [weight("w8", (8, 6))])
    # A 1-D input with a 2-D kernel: libonnx 1.12's Conv inference reads past its strides (SIGSEGV; found by fuzz_onnx).
    ranks = helper.make_graph([n("Conv", ["x3", "w"], ["y"], name="ranks")], "ranks", [helper.make_tensor_value_info("x3", TensorProto.FLOAT, [1, 3, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [weight("w", (4, 3, 3, 3))])
    model = lambda g: helper.make_model(g, producer_name="xpubench-tests", opset_imports=[helper.make_opsetid("", 13)])
    y = [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
    # Convolutions no runtime accepts (issue 29): a group of 0, a group that does not divide 3 channels,
    # a kernel_shape other than the weights', and a fixed input dimension of 2^62.
    conv = lambda name, inputs=x, **attrs: model(helper.make_graph([n("Conv", ["x", "w"], ["y"], name=name, **attrs)], name, inputs, y,
                                                                   [weight("w", (4, 3, 3, 3))]))
    bad_convs = {"group0": conv("group0", group=0), "group2": conv("group2", group=2), "kernel5": conv("kernel5", kernel_shape=[5, 5]),
                 "huge": conv("huge", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 2**62, 8])])}
    # Shape arithmetic that once crashed the folding (models/onnx_fold.cpp): an empty operand, a step of
    # 2^63 - 1, and a foreign domain's Reshape without inputs.
    i64 = lambda name, values: numpy_helper.from_array(np.array(values, np.int64), name)
    x3 = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4, 8])]
    tail = [n("Reshape", ["x", "target"], ["r"]), n("MatMul", ["r", "w8"], ["y"], name="after")]
    empty_add = model(helper.make_graph([n("Add", ["empty", "five"], ["target"])] + tail, "empty_add", x3, y,
                                        [i64("empty", np.zeros(0, np.int64)), i64("five", [5]), weight("w8", (8, 6))]))
    big_step = model(helper.make_graph([n("Shape", ["x"], ["s"]), n("Slice", ["s", "zero", "three", "zero", "huge"], ["target"])] + tail,
                                       "big_step", x3, y, [i64("zero", [0]), i64("three", [3]), i64("huge", [2**63 - 1]), weight("w8", (8, 6))]))
    foreign_g = helper.make_graph([n("Reshape", [], ["z"], domain="custom.domain"), n("MatMul", ["x", "w8"], ["y"], name="kept")],
                                  "foreign", x3, y, [weight("w8", (8, 6))])
    foreign = helper.make_model(foreign_g, producer_name="xpubench-tests",
                                opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("custom.domain", 1)])
    bad_convs.update({"fold_empty_add": empty_add, "fold_big_step": big_step, "fold_foreign": foreign})
    return model(stride0), model(odd), model(no_output), model(ranks), bad_convs


def shape_chain():
    """Reshape targets computed from the graph's own shapes as PaddleOCR's exporter writes them (Shape ->
    Cast -> Slice -> Cast -> Concat), which libonnx 1.12's inference leaves open: the second target
    needs the first MatMul's shape, so it is found only in a second round (issue 29)."""
    n = helper.make_node
    const = lambda name, values: numpy_helper.from_array(np.array(values, np.int64), name)
    nodes = [n("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1]),                 # 1 x 4 x 8 x 10
             n("Shape", ["y"], ["s"]),
             n("Cast", ["s"], ["sf"], to=TensorProto.FLOAT),
             n("Slice", ["sf", "zero", "one", "zero"], ["b"]),
             n("Cast", ["b"], ["bi"], to=TensorProto.INT64),
             n("Concat", ["bi", "tail"], ["target"], axis=0),                              # [1, 10, 32]
             n("Transpose", ["y"], ["yt"], perm=[0, 3, 1, 2]),
             n("Reshape", ["yt", "target"], ["r"]),
             n("MatMul", ["r", "m1"], ["h"], name="first"),                               # 1 x 10 x 16
             n("Shape", ["h"], ["hs"]),
             n("Gather", ["hs", "two_index"], ["cols"], axis=0),                          # [16]
             n("Concat", ["minus_one", "cols"], ["target2"], axis=0),                     # [-1, 16]
             n("Reshape", ["h", "target2"], ["h2"]),                                       # 10 x 16
             n("MatMul", ["h2", "m2"], ["out"], name="second")]                           # 10 x 8
    inits = [weight("w", (4, 3, 3, 3)), weight("m1", (32, 16)), weight("m2", (16, 8)), const("zero", [0]), const("one", [1]),
             const("tail", [10, 32]), const("two_index", [2]), const("minus_one", [-1])]
    g = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 10])],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)], inits)
    return helper.make_model(g, producer_name="xpubench-tests", opset_imports=[helper.make_opsetid("", 13)])


def many(count=50000):
    """One MatMul the reader maps and `count` whose operand shapes stay unknown, each a note of its
    own: the notes were kept unique by searching the list (quadratic in the graph; issue 28)."""
    n = helper.make_node
    nodes = [n("MatMul", ["x", "w8"], ["y"], name="known")]
    nodes += [n("MatMul", ["u%d" % i, "w8"], ["v%d" % i], name="m%d" % i) for i in range(count)]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 8])]
    inputs += [helper.make_tensor_value_info("u%d" % i, TensorProto.FLOAT, None) for i in range(count)]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
    outputs += [helper.make_tensor_value_info("v%d" % i, TensorProto.FLOAT, None) for i in range(count)]
    g = helper.make_graph(nodes, "many", inputs, outputs, [weight("w8", (8, 6))])
    return helper.make_model(g, producer_name="xpubench-tests", opset_imports=[helper.make_opsetid("", 13)])


def control_flow():
    """An If whose then-branch has two products and else-branch one, a Loop of constant trip count 6
    around one product, and a Loop whose trip count is an input (unknown): input x [4, 32]."""
    n = helper.make_node
    f = lambda name, shape: helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)
    then_g = helper.make_graph([n("MatMul", ["x", "wa"], ["t1"], name="then_a"), n("MatMul", ["t1", "wa2"], ["t2"], name="then_b")],
                               "then", [], [f("t2", [4, 64])], [weight("wa", (32, 64)), weight("wa2", (64, 64))])
    else_g = helper.make_graph([n("MatMul", ["x", "wb"], ["e1"], name="else_a")], "else", [], [f("e1", [4, 64])], [weight("wb", (32, 64))])

    def body(tag, width):
        return helper.make_graph([n("MatMul", ["v" + tag, "wl" + tag], ["v2" + tag], name="loop_mm" + tag), n("Identity", ["c" + tag], ["c2" + tag])],
                                 "body" + tag,
                                 [helper.make_tensor_value_info("i" + tag, TensorProto.INT64, []),
                                  helper.make_tensor_value_info("c" + tag, TensorProto.BOOL, []), f("v" + tag, [4, width])],
                                 [helper.make_tensor_value_info("c2" + tag, TensorProto.BOOL, []), f("v2" + tag, [4, width])],
                                 [weight("wl" + tag, (width, width))])
    g = helper.make_graph([n("If", ["cond"], ["y"], name="branch", then_branch=then_g, else_branch=else_g),
                           n("Loop", ["trip", "", "x"], ["vf"], name="repeat", body=body("", 32)),
                           n("MatMul", ["x", "w16"], ["x16"], name="narrow"),
                           n("Loop", ["n", "", "x16"], ["uf"], name="until", body=body("u", 16))], "control_flow",
                          [f("x", [4, 32]), helper.make_tensor_value_info("cond", TensorProto.BOOL, []),
                           helper.make_tensor_value_info("n", TensorProto.INT64, [])],
                          [f("y", [4, 64]), f("vf", [4, 32]), f("uf", [4, 16])],
                          [numpy_helper.from_array(np.array(6, dtype=np.int64), "trip"), weight("w16", (32, 16))])
    return helper.make_model(g, producer_name="xpubench-tests", opset_imports=[helper.make_opsetid("", 13)])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    save(block(), os.path.join(out, "block.onnx"))
    save(cnn(), os.path.join(out, "cnn.onnx"))
    save(audio(), os.path.join(out, "audio.onnx"))
    save(norms(), os.path.join(out, "norms.onnx"))
    save(norms(axis=5), os.path.join(out, "norm_axis.onnx"), check=False)
    save(quantized(), os.path.join(out, "quantized.onnx"), check=False)
    save(no_product(), os.path.join(out, "relu.onnx"))
    stride0, odd, no_output, ranks, bad_convs = hostile()
    for name, m in bad_convs.items():
        save(m, os.path.join(out, name + ".onnx"), check=False)
    save(stride0, os.path.join(out, "stride0.onnx"), check=False)
    save(odd, os.path.join(out, "odd.onnx"), check=False)
    save(no_output, os.path.join(out, "no_output.onnx"), check=False)
    save(ranks, os.path.join(out, "ranks.onnx"), check=False)
    save(many(), os.path.join(out, "many.onnx"), check=False)
    save(shape_chain(), os.path.join(out, "chain.onnx"), check=False)
    save(control_flow(), os.path.join(out, "control_flow.onnx"))


if __name__ == "__main__":
    main()
