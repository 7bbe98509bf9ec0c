<?xml version="1.0" encoding="UTF-8"?>
<!-- Amtsweg data XML (urn:amtsweg:forms:data:1) → Fachverfahren exchange XML (urn:amtsweg:fachverfahren:antrag:1).
     Header values come as parameters from the hub message; answers are carried generically
     (group/field), so the rule fits every Leistung. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:d="urn:amtsweg:forms:data:1"
    xmlns="urn:amtsweg:fachverfahren:antrag:1"
    exclude-result-prefixes="d">
  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:param name="nachricht_id"/>
  <xsl:param name="vorgangsnummer"/>
  <xsl:param name="leika"/>
  <xsl:param name="leistung"/>
  <xsl:param name="ags"/>
  <xsl:param name="ars"/>
  <xsl:param name="gemeinde"/>
  <xsl:param name="behoerde"/>
  <xsl:param name="behoerde_name"/>
  <xsl:param name="formular"/>
  <xsl:param name="formularversion"/>
  <xsl:param name="eingereicht_am"/>
  <xsl:param name="empfangen_am"/>
  <xsl:param name="erstellt_am"/>

  <xsl:template match="/d:antrag">
    <antrag version="1.0">
      <kopf>
        <vorgangsnummer><xsl:value-of select="$vorgangsnummer"/></vorgangsnummer>
        <nachrichtId><xsl:value-of select="$nachricht_id"/></nachrichtId>
        <leistung leika="{$leika}"><xsl:value-of select="$leistung"/></leistung>
        <gemeinde ags="{$ags}" ars="{$ars}"><xsl:value-of select="$gemeinde"/></gemeinde>
        <behoerde schluessel="{$behoerde}"><xsl:value-of select="$behoerde_name"/></behoerde>
        <formular schluessel="{@formular}" version="{@version}"/>
        <eingereichtAm><xsl:value-of select="$eingereicht_am"/></eingereichtAm>
        <empfangenAm><xsl:value-of select="$empfangen_am"/></empfangenAm>
        <erstelltAm><xsl:value-of select="$erstellt_am"/></erstelltAm>
      </kopf>
      <angaben>
        <xsl:apply-templates select="d:*" mode="gruppe"/>
      </angaben>
    </antrag>
  </xsl:template>

  <xsl:template match="d:*" mode="gruppe">
    <gruppe name="{local-name()}" nr="{count(preceding-sibling::*[local-name() = local-name(current())]) + 1}">
      <xsl:apply-templates select="d:*" mode="feld"/>
    </gruppe>
  </xsl:template>

  <xsl:template match="d:*" mode="feld">
    <feld name="{local-name()}">
      <xsl:choose>
        <xsl:when test="d:*">
          <xsl:for-each select="d:*">
            <teil name="{local-name()}"><xsl:value-of select="."/></teil>
          </xsl:for-each>
        </xsl:when>
        <xsl:when test="@name">
          <datei name="{@name}">
            <xsl:if test="@size"><xsl:attribute name="groesse"><xsl:value-of select="@size"/></xsl:attribute></xsl:if>
            <xsl:if test="@type"><xsl:attribute name="typ"><xsl:value-of select="@type"/></xsl:attribute></xsl:if>
          </datei>
        </xsl:when>
        <xsl:otherwise><wert><xsl:value-of select="."/></wert></xsl:otherwise>
      </xsl:choose>
    </feld>
  </xsl:template>

  <xsl:template match="text()"/>
</xsl:stylesheet>
