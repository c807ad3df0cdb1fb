"""Export the executed notebook to one self-contained HTML file.

nbconvert's "lab" template already inlines its CSS and stores chart outputs as ``data:`` URIs, but it also links
require.js, MathJax and Mermaid from a CDN. A report is often opened offline or from an S3 download, so the
template below drops every script and link and adds the report's own styling; the code cells are left out
because readers want the charts (the notebook keeps the code). Charts carry their title as alt text.
"""

from __future__ import annotations

import nbformat
from jinja2 import DictLoader
from nbconvert import HTMLExporter

TEMPLATE_FILE = "clarify_report.html.j2"

TEMPLATE = r"""
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block data_png scoped -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
 alt="{{ output.metadata.get('image/png', {}).get('alt', 'Chart') | escape_html }}">
</div>
{%- endblock data_png -%}
{%- block extra_css -%}
<style type="text/css">
  body.jp-Notebook { background: #F6F8FA; }
  main { max-width: 1080px; margin: 24px auto; padding: 8px 40px 40px 40px; background: #FFFFFF;
         border: 1px solid #E4E8EC; border-radius: 8px; box-shadow: 0 1px 3px rgba(31, 35, 40, 0.06); }
  .jp-RenderedHTMLCommon { font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial,
         sans-serif; color: #24292F; }
  .jp-RenderedHTMLCommon h1 { font-size: 2em; border-bottom: 3px solid #0072B2; padding-bottom: 0.3em; }
  .jp-RenderedHTMLCommon h2 { font-size: 1.5em; margin-top: 1.6em; border-bottom: 1px solid #D0D7DE;
         padding-bottom: 0.25em; }
  .jp-RenderedHTMLCommon h3 { font-size: 1.15em; color: #0B4F7C; }
  .jp-OutputArea-output img { max-width: 100%; height: auto; }
  .jp-InputPrompt, .jp-OutputPrompt { display: none; }
  .jp-Cell { padding: 2px 0; }
</style>
{%- endblock extra_css -%}
"""


def notebook_to_html(notebook: nbformat.NotebookNode) -> str:
    """Self-contained HTML of an executed notebook: inline CSS, images as data URIs, no scripts."""
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({TEMPLATE_FILE: TEMPLATE})],
        template_file=TEMPLATE_FILE,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        theme="light",
    )
    body, _ = exporter.from_notebook_node(notebook)
    return body
