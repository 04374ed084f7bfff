"""Config -> model, the one way every tool, converter and test builds a
model outside the runner."""
from typing import Optional, Union

from mmengine.config import Config, ConfigDict


def load_model_config(config: Union[str, Config],
                      cfg_options: Optional[dict] = None) -> Config:
    """Read ``config`` (a path or a :class:`Config`), merge ``cfg_options``,
    set the config's default scope and import its ``custom_imports``."""
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    return cfg


def disable_pretrained(model_cfg: ConfigDict) -> ConfigDict:
    """Remove every ``init_cfg=dict(type='Pretrained', ...)`` from a model
    config, in place (backbones, necks, nested modules), so that building
    and initialising it downloads and reads nothing."""

    def visit(node):
        if isinstance(node, dict):
            init_cfg = node.get('init_cfg')
            if isinstance(init_cfg, dict) and \
                    init_cfg.get('type') == 'Pretrained':
                node['init_cfg'] = None
            elif isinstance(init_cfg, list):
                node['init_cfg'] = [
                    c for c in init_cfg
                    if not (isinstance(c, dict)
                            and c.get('type') == 'Pretrained')] or None
            for value in node.values():
                visit(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                visit(value)

    visit(model_cfg)
    return model_cfg


def build_model_from_config(config: Union[str, Config],
                            cfg_options: Optional[dict] = None,
                            pretrained: bool = False):
    """Build the model of ``config`` on CPU (weights not initialised: call
    ``init_weights()`` or load a checkpoint).

    Args:
        config (str | Config): Config file or object.
        cfg_options (dict, optional): Overrides merged into the config.
        pretrained (bool): Keep the ``Pretrained`` initialisations (they are
            read by ``init_weights``). Defaults to False (removed).
    """
    from mmdet.registry import MODELS
    cfg = load_model_config(config, cfg_options)
    model_cfg = cfg.model if pretrained else disable_pretrained(cfg.model)
    return MODELS.build(model_cfg)
