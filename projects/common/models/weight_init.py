"""The transformer initialisation of the official ViT-family codes (Swin,
CvT, BiFormer, Plain-DETR's decoder): linear weights trunc-normal(0.02)
with zero bias, LayerNorms weight 1 / bias 0."""
from mmengine.model.weight_init import trunc_normal_
from torch import nn


def init_linear_and_layernorm(module: nn.Module, std: float = 0.02) -> None:
    """Initialise every Linear and LayerNorm inside ``module`` (itself
    included) in place; other modules are left as they are."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            trunc_normal_(m.weight, std=std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
