"""Make the torchlogix_* fixtures that shared/fixtures does not have (run by hand, not by the
tests).

Needs torchlogix 0.2.2 importable (`pip download torchlogix==0.2.2 --no-deps`, unzip, and on
Python 3.11 skip its `circuit.py`, whose nested f-string needs 3.12: the layers never use it), so:

    PYTHONPATH=/path/to/torchlogix-src \
        python tests/data/make_torchlogix_fixtures.py tests/data [spatial]

(`spatial` makes only the 3-d, transposed and residual models, added later: the others keep
their files.)

Each model is trained for a few Adam steps on scikit-learn's digits (so weights, learnable
connections and learnable thresholds leave their initial values), saved whole and as a
state_dict, with its eval-mode outputs on the 540 test digits plus random inputs:
NAME.vectors.npz holds `x` (the model's input bits, flattened in torch's order), `scores` (float32
GroupSum output), `y` (labels, -1 for random rows) and, for models that binarize their own input,
`raw` (the features, flattened).
"""

import sys

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torchlogix.layers import (
    FixedBinarization,
    GroupSum,
    LogicConv2d,
    LogicConv3d,
    LogicConvTranspose2d,
    LogicConvTranspose3d,
    LogicDense,
    OrPooling2d,
    OrPooling3d,
)
from torchlogix.models.dense import Dlgn
from torchlogix.modules.resblock import ResidualLogicBlock


def digits():
    data = load_digits()
    x = data.images.astype(np.float32)  # [N, 8, 8] pixels 0..16
    return train_test_split(x, data.target, test_size=0.3, random_state=0)


def thermometer(images):
    return (torch.as_tensor(images).reshape(len(images), -1, 1) > torch.tensor([2., 6., 10., 14.])
            ).flatten(1).float()


def train(model, x, y, steps=200, lr=0.05, seed=0):
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for step in range(steps):
        idx = torch.randint(0, len(x), (64,))
        loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


def save(out, name, model, x_train, y_train, test_inputs, y_test, random_inputs, bits_of=None):
    model = train(model, x_train, torch.as_tensor(y_train))
    inputs = torch.cat([test_inputs, random_inputs])
    with torch.no_grad():
        scores = model(inputs).numpy().astype(np.float32)
        bits = (bits_of(inputs) if bits_of else inputs).flatten(1).numpy().astype(np.uint8)
    y = np.concatenate([y_test, -np.ones(len(random_inputs), np.int64)])
    vectors = {"x": bits, "scores": scores, "y": y}
    if bits_of is not None:
        vectors["raw"] = inputs.flatten(1).numpy().astype(np.float32)
    torch.save(model, f"{out}/{name}.pt")
    torch.save(model.state_dict(), f"{out}/{name}.state_dict.pt")
    np.savez_compressed(f"{out}/{name}.vectors.npz", **vectors)
    top = np.sort(scores, axis=1)
    acc = (scores[:len(y_test)].argmax(1) == y_test).mean()
    print(f"{name}: test accuracy {acc:.3f}, ties {np.mean(top[:, -1] == top[:, -2]):.3f}")


def main(out):
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    img_train, img_test, y_train, y_test = digits()
    bits_train, bits_test = thermometer(img_train), thermometer(img_test)
    random_bits = torch.randint(0, 2, (256, 256), generator=gen).float()
    # raw features that also hit the thresholds exactly (strict >) and lie between them
    random_raw = torch.randint(0, 33, (256, 8, 8), generator=gen).float() / 2

    # learnable connections (a few candidates, and every input), raw and warp LUTs of rank 2 and 4
    save(out, "torchlogix_dense_learnable", torch.nn.Sequential(
        torch.nn.Flatten(),
        LogicDense(256, 300, parametrization="raw", connections="learnable",
                   connections_kwargs={"num_candidates": 8}),
        LogicDense(300, 100, lut_rank=4, parametrization="warp"),
        LogicDense(100, 60, lut_rank=4, parametrization="warp", connections="learnable"),
        GroupSum(k=10, tau=4.0)), bits_train, y_train, bits_test, y_test, random_bits)

    # 6-input LUTs, light and warp; GroupSum with beta
    save(out, "torchlogix_dense_rank6", torch.nn.Sequential(
        torch.nn.Flatten(),
        LogicDense(256, 240, lut_rank=6, parametrization="light"),
        LogicDense(240, 120, lut_rank=6, parametrization="warp",
                   parametrization_kwargs={"weight_init": "random"}),
        GroupSum(k=10, tau=3.0, beta=1.5)), bits_train, y_train, bits_test, y_test, random_bits)

    # model zoo: Dlgn starts with its binarization (fixed, one global set of thresholds)
    raw_train, raw_test = (torch.as_tensor(a).reshape(len(a), -1) for a in (img_train, img_test))
    zoo = Dlgn(thresholds=torch.tensor([2., 6., 10., 14.]), binarization="fixed",
               binarization_kwargs={}, in_dim=256, n_layers=2, neurons_per_layer=[400, 300],
               class_count=10, tau=5.0)
    save(out, "torchlogix_zoo_fixed", zoo, raw_train, y_train, raw_test, y_test,
         random_raw.reshape(256, -1), bits_of=lambda r: zoo[0](r))

    # model zoo with learnable per-feature thresholds [64, 4] (they move during training)
    per_feature = torch.tensor([[2., 6., 10., 14.]]).repeat(64, 1)
    learn = Dlgn(thresholds=per_feature, binarization="learnable", binarization_kwargs={},
                 in_dim=256, n_layers=2, neurons_per_layer=[400, 300], class_count=10, tau=5.0,
                 lut_rank=4, parametrization="light")
    save(out, "torchlogix_zoo_learnable_thresholds", learn, raw_train, y_train, raw_test, y_test,
         random_raw.reshape(256, -1), bits_of=lambda r: learn[0](r))

    # images: channel-wise thresholds into a conv (grouped channels), 3x3 padded OR pooling,
    # a rank-4 warp conv with stride, rank-6 dense, GroupSum with beta
    images_train, images_test = (torch.as_tensor(a)[:, None] for a in (img_train, img_test))
    conv = torch.nn.Sequential(
        FixedBinarization(thresholds=torch.tensor([[2., 6., 10.]]), feature_dim=1),
        LogicConv2d(in_dim=8, channels=3, num_kernels=8, tree_depth=3, receptive_field_size=3,
                    padding=1, parametrization="light",
                    connections_kwargs={"channel_group_size": 1}),
        OrPooling2d(kernel_size=3, stride=2, padding=1),
        LogicConv2d(in_dim=4, channels=8, num_kernels=16, tree_depth=2, receptive_field_size=2,
                    stride=2, lut_rank=4, parametrization="warp",
                    parametrization_kwargs={"weight_init": "random"}),
        OrPooling2d(kernel_size=2, stride=2),
        torch.nn.Flatten(),
        LogicDense(16, 60, lut_rank=6, parametrization="light"),
        GroupSum(k=10, tau=2.0, beta=0.5))
    save(out, "torchlogix_conv_mixed", conv, images_train, y_train, images_test, y_test,
         random_raw[:, None], bits_of=lambda r: conv[0](r))


def spatial(out):
    """3-d convolutions and pooling, transposed convolutions, residual blocks: digits as bits."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(2)
    img_train, img_test, y_train, y_test = digits()
    levels = torch.tensor([2., 6., 10., 14.])
    # [N, 1, 4, 8, 8]: the thermometer level as depth; [N, 2, 8, 8]: two thresholds as channels
    volume = [(torch.as_tensor(a)[:, None, None] > levels.view(1, 1, 4, 1, 1)).float()
              for a in (img_train, img_test)]
    planes = [(torch.as_tensor(a)[:, None] > torch.tensor([2., 8.]).view(1, 2, 1, 1)).float()
              for a in (img_train, img_test)]
    random_volume = torch.randint(0, 2, (256, 1, 4, 8, 8), generator=gen).float()
    random_planes = torch.randint(0, 2, (256, 2, 8, 8), generator=gen).float()

    # 3-d: a padded conv with a non-cubic window, padded 3-d OR pooling, a transposed 3-d conv
    # with stride and output padding, pooling with a non-cubic window
    save(out, "torchlogix_conv3d", torch.nn.Sequential(
        LogicConv3d(in_dim=(4, 8, 8), channels=1, num_kernels=6, tree_depth=2,
                    receptive_field_size=(2, 3, 3), padding=1, parametrization="light"),
        OrPooling3d(kernel_size=3, stride=2, padding=1),
        LogicConvTranspose3d(in_dim=(3, 4, 4), channels=6, num_kernels=4, tree_depth=2,
                             receptive_field_size=2, stride=2, output_padding=1,
                             parametrization="warp",
                             parametrization_kwargs={"weight_init": "random"}),
        OrPooling3d(kernel_size=(3, 3, 3), stride=(2, 3, 3)),
        torch.nn.Flatten(),
        LogicDense(4 * 3 * 3 * 3, 80, lut_rank=4, parametrization="light"),
        GroupSum(k=10, tau=2.0)), volume[0], y_train, volume[1], y_test, random_volume)

    # a transposed 2-d conv (stride 2, padding, output padding) over two channels
    save(out, "torchlogix_conv_transpose", torch.nn.Sequential(
        LogicConvTranspose2d(in_dim=8, channels=2, num_kernels=4, tree_depth=2,
                             receptive_field_size=3, stride=2, padding=1, output_padding=1,
                             parametrization="light"),
        OrPooling2d(kernel_size=4, stride=4),
        torch.nn.Flatten(),
        LogicDense(64, 100, lut_rank=4, parametrization="warp"),
        GroupSum(k=10, tau=2.0)), planes[0], y_train, planes[1], y_test, random_planes)

    # the block as torchlogix 0.2.2 builds it: identity shortcut
    save(out, "torchlogix_residual", torch.nn.Sequential(
        LogicConv2d(in_dim=8, channels=2, num_kernels=4, tree_depth=2, receptive_field_size=3,
                    padding=1, parametrization="light"),
        ResidualLogicBlock(in_dim=8, in_channels=4, out_channels=4, tree_depth=2,
                           parametrization="light"),
        OrPooling2d(kernel_size=2, stride=2),
        torch.nn.Flatten(),
        LogicDense(64, 80, lut_rank=4, parametrization="light"),
        GroupSum(k=10, tau=2.0)), planes[0], y_train, planes[1], y_test, random_planes)

    # the downsampling block with a projection shortcut, which torchlogix 0.2.2 cannot construct
    # (its depth-0 projection fails): assembled from the same parts, the projection a rank-1
    # 1x1 conv of depth 1 (warp: light has no rank 1)
    block = ResidualLogicBlock(in_dim=8, in_channels=2, out_channels=2, tree_depth=2,
                               parametrization="warp")
    block.main = torch.nn.Sequential(
        LogicConv2d(in_dim=8, channels=2, num_kernels=4, tree_depth=2, receptive_field_size=3,
                    padding=1, parametrization="warp"),
        OrPooling2d(kernel_size=2, stride=2),
        LogicConv2d(in_dim=4, channels=4, num_kernels=4, tree_depth=2, receptive_field_size=3,
                    padding=1, parametrization="warp"),
        OrPooling2d(kernel_size=2, stride=2))
    block.shortcut = torch.nn.Sequential(
        OrPooling2d(kernel_size=4, stride=4),
        LogicConv2d(in_dim=2, channels=2, num_kernels=4, tree_depth=1, receptive_field_size=1,
                    padding=0, parametrization="warp", lut_rank=1))
    save(out, "torchlogix_residual_projection", torch.nn.Sequential(
        block,
        torch.nn.Flatten(),
        LogicDense(16, 60, parametrization="raw"),
        GroupSum(k=10, tau=1.0)), planes[0], y_train, planes[1], y_test, random_planes)


if __name__ == "__main__":
    spatial(sys.argv[1]) if sys.argv[2:] == ["spatial"] else main(sys.argv[1])
