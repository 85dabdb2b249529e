"""The three models of README "Bring your own model", exported as other tools export them.

Run with Debian's packages (python3-torch, python3-onnx, python3-numpy): /usr/bin/python3 docs/examples/export_byom_models.py
writes digits.onnx (PyTorch CNN, input [batch,1,28,28]), mlp3.onnx (PyTorch MLP, input [batch,1,784]) and
merchant.onnx (a string categorical + amount pipeline in the shape skl2onnx writes, built with onnx.helper
because skl2onnx is not packaged here) into the current directory. Nothing here is committed as a model file.
"""
import torch, torch.nn as nn, onnx
from onnx import helper, TensorProto
import numpy as np
torch.manual_seed(0)
class Cnn(nn.Module):
    def __init__(s):
        super().__init__()
        s.conv = nn.Conv2d(1, 4, 3, padding=1); s.pool = nn.MaxPool2d(2); s.fc = nn.Linear(4*14*14, 10)
    def forward(s, x):
        return s.fc(torch.flatten(s.pool(torch.relu(s.conv(x))), 1))
m = Cnn().eval()
torch.onnx.export(m, torch.zeros(1,1,28,28), "digits.onnx", input_names=["image"], output_names=["logits"],
                  dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
class Mlp(nn.Module):
    def __init__(s):
        super().__init__(); s.l1 = nn.Linear(784, 32); s.l2 = nn.Linear(32, 1)
    def forward(s, x):  # x: [batch, 1, 784]
        return torch.sigmoid(s.l2(torch.relu(s.l1(x)))).squeeze(-1)
torch.onnx.export(Mlp().eval(), torch.zeros(1,1,784), "mlp3.onnx", input_names=["x"], output_names=["p"],
                  dynamic_axes={"x": {0: "batch"}, "p": {0: "batch"}}, opset_version=13)
# a pipeline as converters write it: string category -> LabelEncoder -> OneHot-like via Gather on identity, + amount, LinearClassifier, ZipMap
cats = ["grocery", "travel", "electronics", "gambling"]
W = np.array([[0.1, 0.9, 0.4, 2.0, 0.003]], dtype=np.float32)  # 4 one-hot + amount
nodes = [
  helper.make_node("LabelEncoder", ["merchant_category"], ["cat_idx"], domain="ai.onnx.ml", keys_strings=cats, values_int64s=list(range(4)), default_int64=-1),
  helper.make_node("OneHot", ["cat_idx", "depth", "onoff"], ["cat_oh3"], axis=-1),
  helper.make_node("Reshape", ["cat_oh3", "shape2"], ["cat_oh"]),
  helper.make_node("Cast", ["cat_oh"], ["cat_f"], to=TensorProto.FLOAT),
  helper.make_node("Concat", ["cat_f", "amount"], ["features"], axis=1),
  helper.make_node("LinearClassifier", ["features"], ["label", "probability_tensor"], domain="ai.onnx.ml",
                   classlabels_ints=[0, 1], coefficients=list(np.concatenate([-W[0], W[0]]).astype(float)),
                   intercepts=[1.5, -1.5], post_transform="LOGISTIC"),
  helper.make_node("ZipMap", ["probability_tensor"], ["probabilities"], domain="ai.onnx.ml", classlabels_int64s=[0, 1]),
]
inits = [helper.make_tensor("depth", TensorProto.INT64, [1], [4]), helper.make_tensor("onoff", TensorProto.INT64, [2], [0, 1]),
         helper.make_tensor("shape2", TensorProto.INT64, [2], [-1, 4])]
zipmap_vi = onnx.ValueInfoProto(); zipmap_vi.name = "probabilities"
mt = zipmap_vi.type.sequence_type.elem_type.map_type; mt.key_type = TensorProto.INT64; mt.value_type.tensor_type.elem_type = TensorProto.FLOAT
g = helper.make_graph(nodes, "merchant_pipeline",
    [helper.make_tensor_value_info("merchant_category", TensorProto.STRING, [None, 1]), helper.make_tensor_value_info("amount", TensorProto.FLOAT, [None, 1])],
    [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
     zipmap_vi ],
    inits)
model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 2)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "merchant.onnx")
for f in ["digits.onnx", "mlp3.onnx", "merchant.onnx"]:
    mm = onnx.load(f)
    print(f, [(i.name, [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]) for i in mm.graph.input], [o.name for o in mm.graph.output])
