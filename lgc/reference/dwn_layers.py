"""torch-dwn 1.1.x layers' eval-mode forward in torch, for the PyTorch reference.

torch-dwn's LUTLayer forward runs only in its CUDA extension, so this follows that kernel's code
(efd_cuda_kernel.cu, efd_cuda_forward_kernel) and the Python around it (lut_layer.py, mapping.py,
utils.py) step by step: the learnable mapping's column selection `x[:, weights.argmax(0)]`, the
address `addr |= (input[mapping[j][l]] > 0) << l`, the output `luts[j][addr]`, the STE `> 0`;
GroupSum's randperm, zero padding to a multiple of k, contiguous sums and division by tau.
Nothing here goes through lgc's truth tables. Modules are attribute holders with `param(name)`.
"""

import torch

LUT_LAYER = "torch_dwn.lut_layer.LUTLayer"
GROUP_SUM = "torch_dwn.utils.GroupSum"
DUMMY_MAPPING = "_LUTLayer__dummy_mapping"


def lut_layer(m, x):
    """LUTLayer.forward in eval mode (EFDFunction's CUDA forward, then the STE)."""
    mapping_module = m.__dict__["_modules"].get("mapping")
    if mapping_module is not None:  # LearnableMappingFunction.forward, then the dummy mapping
        x = x[:, mapping_module.param("weights").argmax(dim=0)]
        mapping = m.param(DUMMY_MAPPING)
    else:
        mapping = m.param("mapping")
    mapping = mapping.long()
    addr = torch.zeros(x.shape[0], mapping.shape[0], dtype=torch.long)
    for bit in range(mapping.shape[1]):
        addr |= (x[:, mapping[:, bit]] > 0).long() << bit
    luts = m.param("luts")
    out = luts[torch.arange(luts.shape[0])[None, :], addr]
    return (out > 0).float() if m.__dict__.get("ste", True) else out


def group_sum(m, x):
    """GroupSum.forward: randperm, pad_if_needed, view as [k, n/k], sum, / tau; returns the
    sums and the library's float output."""
    randperm = m.__dict__.get("randperm")
    if randperm is not None:
        x = x[:, randperm.long()]
    k = m.__dict__["k"]
    if x.shape[-1] % k:
        x = torch.nn.functional.pad(x, (0, k - x.shape[-1] % k))
    sums = x.view(*x.shape[:-1], k, x.shape[-1] // k).sum(dim=-1)
    return sums, sums / m.__dict__["tau"]
