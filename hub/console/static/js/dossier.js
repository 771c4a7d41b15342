// 一企一档: an entity's dossier by its USCC.
import { t } from "./common.js";
import { dossierPage } from "./entries.js";

dossierPage("dossier", "/v1/entities", t("hint", ["统一社会信用代码（18 位）", "USCC (18 characters)"]));
