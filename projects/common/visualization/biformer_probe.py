"""BiFormer's region routing (Zhu et al., `BiFormer: Vision Transformer
with Bi-Level Routing Attention <https://arxiv.org/abs/2303.08810>`_,
CVPR 2023): for one query region, the regions it attends to in each
stage."""
import re
from typing import Dict, List

from matplotlib.patches import Rectangle

from .drawing import new_figure, save, show_image
from .probe import ATTENTION_PROBES, AttentionProbe


def _routing_modules(model) -> Dict[int, object]:
    """The last bi-level routing attention of each stage, by stage."""
    from projects.biformer.bra import BiLevelRoutingAttention
    found = {}
    for name, module in model.named_modules():
        match = re.search(r'stages\.(\d+)\.', name)
        if match and isinstance(module, BiLevelRoutingAttention):
            found[int(match.group(1))] = module
    return dict(sorted(found.items()))


@ATTENTION_PROBES.register_module()
class RegionRoutingProbe(AttentionProbe):
    """Hooks, in the last block of every routed stage, the attention's
    input (the map size) and its ``qkv`` linear (on the padded map); the
    routing is redone with the module's own :meth:`route` on the region
    means of q and k, as its forward does.

    Pictures: ``<stem>_biformer_routing_stage{s}.png``.
    """

    @classmethod
    def applies(cls, model) -> bool:
        return bool(_routing_modules(model))

    def hooks(self) -> None:
        for stage, module in _routing_modules(self.model).items():
            self.keep_inputs(module, f'input{stage}')
            self.keep_output(module.qkv, f'qkv{stage}')

    def routing(self) -> Dict[int, dict]:
        """Per stage: ``index`` (bs, R, k) routed regions of each region
        (row-major, n_win x n_win), ``n_win``, the unpadded map ``size``
        (h, w) and the padded one ``padded`` (Hp, Wp)."""
        out = {}
        for stage, module in _routing_modules(self.model).items():
            qkv = self.record(f'qkv{stage}')
            n, hp, wp, _ = qkv.shape
            s = module.n_win
            regions = qkv.view(n, s, hp // s, s, wp // s, -1).permute(
                0, 1, 3, 2, 4, 5).reshape(n, s * s, (hp // s) * (wp // s), -1)
            q = regions[..., :module.qk_dims].mean(dim=2)
            k = regions[..., module.qk_dims:2 * module.qk_dims].mean(dim=2)
            x = self.record(f'input{stage}')[0][0]
            out[stage] = dict(index=module.route(q, k), n_win=s,
                              size=tuple(x.shape[1:3]), padded=(hp, wp))
        return out

    def query_region(self, scene, info: dict) -> int:
        """The region (row-major index) holding ``scene.centre()``."""
        sx, sy = scene.scale
        in_h, in_w = scene.sample.metainfo['batch_input_shape']
        x, y = scene.centre()
        # input pixel -> stage map cell (maps cover the padded input)
        col = x * sx / in_w * info['size'][1]
        row = y * sy / in_h * info['size'][0]
        s, (hp, wp) = info['n_win'], info['padded']
        r = min(int(row // (hp // s)), s - 1)
        c = min(int(col // (wp // s)), s - 1)
        return r * s + c

    def draw(self, scene, out_dir: str) -> List[str]:
        files = []
        width, height = scene.padded_extent
        for stage, info in self.routing().items():
            s, (hp, wp) = info['n_win'], info['padded']
            # one region in original pixels (the padded map over the input)
            cell_w = width * (wp // s) / info['size'][1]
            cell_h = height * (hp // s) / info['size'][0]
            query = self.query_region(scene, info)
            routed = info['index'][0, query].tolist()
            fig, axes = new_figure(size=6)
            ax = axes[0, 0]
            show_image(ax, scene.image, (
                f'stage {stage}: region {query} routes to {len(routed)} of '
                f'{s * s} regions (top-{len(routed)}; numbers = rank)'))
            for i in range(s * s):
                r, c = divmod(i, s)
                style = dict(fill=False, edgecolor='white', linewidth=0.4)
                if i in routed:
                    style = dict(facecolor='yellow', alpha=0.35,
                                 edgecolor='yellow', linewidth=1.0)
                ax.add_patch(Rectangle((c * cell_w, r * cell_h), cell_w,
                                       cell_h, **style))
                if i in routed:
                    ax.text((c + 0.5) * cell_w, (r + 0.5) * cell_h,
                            str(routed.index(i) + 1), ha='center',
                            va='center', fontsize=8, color='black')
            r, c = divmod(query, s)
            ax.add_patch(Rectangle((c * cell_w, r * cell_h), cell_w, cell_h,
                                   fill=False, edgecolor='red', linewidth=2))
            ax.plot(*scene.centre(), 'r+', markersize=10)
            name = f'{scene.stem}_biformer_routing_stage{stage}.png'
            files.append(save(fig, out_dir, name))
        return files
